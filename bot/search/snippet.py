"""A short excerpt of the body around the words that matched, with those words in bold.

The surrounding text is markdown-escaped, so the bold markers are the only
formatting a Discord client renders, whatever the article contains.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache

from bot.archive.text import normalise, word_at, word_spans
from bot.markdown import escape_markdown

MAX_SNIPPET = 300

SCAN_FIRST = 3000  # news puts its substance first; look further only when nothing matched
WINDOW = 3  # raw characters read per snippet character, before whitespace is collapsed


def make_snippet(body: str, terms: Collection[str], limit: int = MAX_SNIPPET) -> str:
    """The window of ``body`` with the most matches, whitespace collapsed, matches in bold.

    Matches are located in the raw body and only the chosen window is
    tidied, so a snippet costs the same for a short wire story and a long
    feature.
    """
    spans = _matched_spans(body[:SCAN_FIRST], terms)
    if not spans and len(body) > SCAN_FIRST:
        spans = _matched_spans(body, terms)
    start = _best_window_start(body, spans, limit)
    window = " ".join(body[start : start + WINDOW * limit].split())
    if len(window) < 2 * limit and start + WINDOW * limit < len(body):
        window = " ".join(body[start:].split())  # mostly whitespace: read on
    return _render(window, _matched_spans(window, terms), cut=start > 0, limit=limit)


# Folding one word runs four Unicode passes; words repeat (Zipf), so remember them.
_fold_word = lru_cache(maxsize=1 << 16)(normalise)


def _matched_spans(text: str, terms: Collection[str]) -> list[tuple[int, int]]:
    """Where the matched words are, as spans of ``text``.

    A search hands over every term its words expanded to (a prefix alone can
    bring 64, all sharing their first letters). ``str.find`` skips through the
    body to each shortest shared start, and only the words found there are
    read whole and looked up: far fewer steps than visiting every word or
    trying a long regex alternation at every position. Terms of one or two
    letters ("s" of "EA's", "u" of "U.S.") hide inside most words, so one
    whole-word regex finds those instead of stopping at every letter. ASCII
    text folds by lower-casing alone, keeping every offset; other scripts are
    folded word by word.
    """
    if not terms:
        return []
    if not text.isascii():
        return [(at, at + len(w)) for at, w in word_spans(text) if _fold_word(w) in terms]
    lowered = text.lower()
    anchors, short = _plan(frozenset(terms))
    spans = [match.span() for pattern in short for match in pattern.finditer(lowered)]
    for anchor in anchors:
        start = lowered.find(anchor)
        while start >= 0:
            word = word_at(lowered, start)
            if word is not None and word in terms:
                spans.append((start, start + len(word)))
            start = lowered.find(anchor, start + 1)
    spans.sort()
    return spans


SHORT_TERM = 2  # letters: found by regex, not by stopping wherever the letters occur


@lru_cache(maxsize=256)
def _plan(terms: frozenset[str]) -> tuple[list[str], list[re.Pattern[str]]]:
    """How to find ``terms``: the fewest prefixes of the longer ones, a regex per short one.

    Each anchor is itself a term ("merge" for "merged"), so a longer term is
    found at its anchor's occurrences. A short term's regex opens with the
    term itself, so the regex engine leaps between its occurrences, and only
    then looks around it for letters.
    """
    anchors: list[str] = []
    for term in sorted(t for t in terms if len(t) > SHORT_TERM):
        if not (anchors and term.startswith(anchors[-1])):
            anchors.append(term)
    short = [re.escape(t) for t in sorted(terms) if len(t) <= SHORT_TERM]
    return anchors, [re.compile(rf"{t}(?<![^\W_]{t})(?![^\W_])") for t in short]


def _best_window_start(text: str, spans: list[tuple[int, int]], limit: int) -> int:
    """Where to open the snippet: a little before the window holding the most matches."""
    if not spans:
        return 0
    lead = max(0, densest_window(spans, limit * 2 // 3) - limit // 6)
    space = max(text.rfind(" ", 0, lead + 1), text.rfind("\n", 0, lead + 1))  # a word boundary
    return 0 if lead == 0 or space < 0 else space + 1


def densest_window(spans: list[tuple[int, int]], width: int) -> int:
    """The start of the span opening the ``width``-wide window that holds most spans.

    ``spans`` are sorted and disjoint (words), so ends ascend too and one
    sweep with two pointers finds it; the earliest wins a tie.
    """
    best_start, best_count = spans[0][0], 0
    last = 0  # one past the last span that fits in a window opening at spans[i]
    for i, (start, _) in enumerate(spans):
        last = max(last, i)
        while last < len(spans) and spans[last][1] - start <= width:
            last += 1
        if last - i > best_count:
            best_start, best_count = start, last - i
    return best_start


def _render(text: str, spans: list[tuple[int, int]], *, cut: bool, limit: int) -> str:
    """``text`` within ``limit`` characters, spans in bold, "…" where it was cut."""
    pieces: list[str] = ["…"] if cut else []
    used = len(pieces)
    position = 0
    for span_start, span_end in [*spans, (len(text), len(text))]:
        plain = escape_markdown(text[position:span_start])
        word = text[span_start:span_end]
        bold = f"**{escape_markdown(word)}**" if word else ""
        room = limit - used - 1  # keep one character for a closing ellipsis
        if len(plain) > room:
            kept = plain[:room].rsplit(" ", 1)[0].rstrip("\\")
            pieces.append(kept + "…")
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
