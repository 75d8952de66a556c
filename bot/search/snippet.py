"""A short excerpt of the body around the words that matched, with those words in bold.

The surrounding text is markdown-escaped, so the bold markers are the only
formatting a Discord client renders, whatever the article contains.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

from bot.archive.text import normalise

MAX_SNIPPET = 300
_WORD = re.compile(r"[^\W_]+")
_MARKDOWN = re.compile(r"([\\*_~|`>\[\]#])")


def escape_markdown(text: str) -> str:
    return _MARKDOWN.sub(r"\\\1", text)


SCAN_FIRST = 3000  # news puts its substance first; look further only when nothing matched
OPENING = 2 * SCAN_FIRST  # raw characters that surely cover SCAN_FIRST + a snippet, collapsed


def make_snippet(body: str, terms: Collection[str], limit: int = MAX_SNIPPET) -> str:
    # Collapse whitespace in the opening only, unless the match lies further in.
    text = " ".join(body[:OPENING].split())
    if len(body) > OPENING and len(text) < SCAN_FIRST + limit:
        text = " ".join(body.split())  # mostly whitespace: the opening is too short
    spans = _matched_spans(text[:SCAN_FIRST], terms)
    if not spans and len(body) > SCAN_FIRST:
        text = " ".join(body.split())
        spans = _matched_spans(text, terms)
    start = _best_window_start(text, spans, limit)
    return _render(text, spans, start, limit)


def _matched_spans(text: str, terms: Collection[str]) -> list[tuple[int, int]]:
    """Where the matched words are, as spans of ``text``.

    A search hands over every term its words expanded to (a prefix alone can
    bring 64), and ``str.find`` skips through a body for each of them faster
    than a regex can visit its words once. ASCII text folds by lower-casing
    alone, keeping every offset; other scripts are folded word by word.
    """
    if not terms:
        return []
    if not text.isascii():
        return [m.span() for m in _WORD.finditer(text) if normalise(m.group()) in terms]
    lowered = text.lower()
    return sorted(span for term in terms for span in _whole_word_spans(lowered, term))


def _whole_word_spans(text: str, word: str) -> Iterator[tuple[int, int]]:
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        if not (start and _is_word_char(text[start - 1])) and not (
            end < len(text) and _is_word_char(text[end])
        ):
            yield start, end
        start = text.find(word, end)


def _is_word_char(char: str) -> bool:
    return char.isalnum()  # the same letters and digits ``_WORD`` takes


def _best_window_start(text: str, spans: list[tuple[int, int]], limit: int) -> int:
    if not spans:
        return 0
    width = limit * 2 // 3
    best_start, best_count = spans[0][0], 0
    for i, (start, _) in enumerate(spans):
        count = sum(1 for s, e in spans[i:] if e - start <= width)
        if count > best_count:
            best_start, best_count = start, count
    # Open a little before the first match, on a word boundary.
    lead = max(0, best_start - limit // 6)
    space = text.rfind(" ", 0, lead + 1)
    return 0 if lead == 0 or space < 0 else space + 1


def _render(text: str, spans: list[tuple[int, int]], start: int, limit: int) -> str:
    pieces: list[str] = ["…"] if start > 0 else []
    used = len(pieces)
    position = start
    for span_start, span_end in [*[s for s in spans if s[0] >= start], (len(text), len(text))]:
        plain = escape_markdown(text[position:span_start])
        word = text[span_start:span_end]
        bold = f"**{escape_markdown(word)}**" if word else ""
        room = limit - used - 1  # keep one character for a closing ellipsis
        if len(plain) > room:
            cut = plain[:room].rsplit(" ", 1)[0].rstrip("\\")
            pieces.append(cut + "…")
            return "".join(pieces)
        pieces.append(plain)
        used += len(plain)
        if len(bold) > limit - used - 1:
            if span_end < len(text):
                pieces.append("…")
            return "".join(pieces)
        pieces.append(bold)
        used += len(bold)
        position = span_end
    return "".join(pieces)
