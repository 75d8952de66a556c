"""Source and title derivation for articles that carry neither.

Seed files open with ``Outlet / first sentence ...``: the outlet is the source,
and the first sentence after it is the best title a reader would recognise.
"""

from __future__ import annotations

import re

MAX_TITLE = 256
UNKNOWN_SOURCE = "unknown"

# An outlet name is short and has no sentence punctuation; "Shafaq News / ...".
_SOURCE_PREFIX = re.compile(r"^\s*([^\n/.!?]{1,80}?)\s+/\s+")
# A sentence ends at . ! ? followed by space and an upper-case letter, a quote or end.
_SENTENCE_END = re.compile(
    r"(?<=[.!?])[\"'”’)]?\s+(?=[\"'“‘(]?[A-Z0-9\u0600-\u06FF])|[.!?؟](?=\s*$)"
)


def split_source(body: str) -> tuple[str | None, str]:
    """Return ``(source, body without the prefix)``; source None when there is no prefix."""
    match = _SOURCE_PREFIX.match(body)
    if match is None:
        return None, body
    return match.group(1).strip(), body[match.end() :]


def first_paragraph(text: str) -> str:
    return text.strip().split("\n\n", 1)[0].strip()


def derive_title(body: str) -> str:
    """The first sentence of the first paragraph, cut on a word boundary to 256 characters."""
    _, rest = split_source(body)
    paragraph = " ".join(first_paragraph(rest).split())
    end = _SENTENCE_END.search(paragraph)
    sentence = paragraph[: end.start()] if end else paragraph
    sentence = sentence.strip().rstrip(".")
    return shorten(sentence, MAX_TITLE)


def shorten(text: str, limit: int) -> str:
    """Cut ``text`` on a word boundary so that it plus an ellipsis fits in ``limit``."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-") + "…"
