"""Escaping text for Discord's markdown, in one pass per special character.

discord.py's ``escape_markdown`` looks ahead for a closing ``*`` from every
``*`` and for a masked link from every ``[``: text built to defeat it (a line
of ``[a](`` repeated) takes minutes. Here every character that can start
markdown gets a backslash, brackets included, so no masked link can form.
``str.replace`` per character is some twenty times faster than one regex
substitution on long bodies, and on the short titles searches show.
"""

from __future__ import annotations

SPECIAL = "\\*_~|`>[]#"  # the backslash first, or the escapes would be escaped again


def escape_markdown(text: str) -> str:
    for character in SPECIAL:
        if character in text:
            text = text.replace(character, "\\" + character)
    return text
