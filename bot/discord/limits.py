"""Discord's limits, in one place, so no reply is ever rejected for its size."""

from __future__ import annotations

CHOICES = 25  # autocomplete choices
CHOICE_NAME = 100
CUSTOM_ID = 100
SELECT_OPTIONS = 25
SELECT_LABEL = 100
SELECT_VALUE = 100
CONTENT = 2000
EMBED_TITLE = 256
EMBED_DESCRIPTION = 4096
EMBED_FIELD_VALUE = 1024
EMBED_FOOTER = 2048
EMBED_TOTAL = 6000  # all embeds of one message together
EMBEDS_PER_MESSAGE = 10


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, on a word boundary when one is near."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 3 // 4:
        cut = cut[:space]
    return cut.rstrip("\\") + "…"
