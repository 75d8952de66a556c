"""Text for a terminal: bold where the terminal can show it, plain everywhere else.

Search snippets carry Discord's markdown; here the matched words become ANSI
bold on a terminal that supports it (not when output is piped, ``TERM=dumb``
or ``NO_COLOR`` is set) and plain text otherwise, never ``**`` and ``\\*``.
"""

from __future__ import annotations

import os
from typing import TextIO

from bot.markdown import unmark_bold

BOLD, RESET = "\033[1m", "\033[0m"


def supports_bold(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM", "") in {"", "dumb"}:
        return False
    return stream.isatty()


def render(markdown: str, *, bold: bool) -> str:
    """A snippet's markdown as terminal text: bold runs in ANSI bold, or plain."""
    text, spans = unmark_bold(markdown)
    if not bold:
        return text
    out, position = [], 0
    for start, end in spans:
        out += [text[position:start], BOLD, text[start:end], RESET]
        position = end
    return "".join([*out, text[position:]])
