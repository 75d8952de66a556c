"""What a typed query asks for: words, quoted phrases, and an as-you-type last word."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.archive.text import tokenize
from bot.errors import EmptyQuery

_PHRASE = re.compile(r'"([^"]*)"?')
_FINISHED = frozenset("?!.？؟")  # question marks (Latin, full-width, Arabic) and full stops
MIN_PREFIX = 2  # a one-letter prefix would match half the vocabulary
MAX_QUERY_WORDS = 16  # the distinct words that rank; more only hold up the bot


@dataclass(frozen=True, slots=True)
class Query:
    words: tuple[str, ...]  # every normalised word, phrase words included, in order
    phrases: tuple[tuple[str, ...], ...]  # each of two or more words, required adjacent
    exact: frozenset[str]  # words inside quotes: no typo or prefix expansion
    prefix: str | None  # the last word, matched also as a prefix while the user types


def parse_query(text: str) -> Query:
    """Split ``text`` into words and phrases; raise :class:`EmptyQuery` when nothing is left.

    An unclosed quote still counts as a phrase up to the end, so a half-typed
    query behaves like the finished one. Phrases are capped like the rest of
    a query: only words within its first ``MAX_QUERY_WORDS`` distinct ones are
    required adjacent, so a pasted page in quotes costs what sixteen words do.
    """
    phrases: list[tuple[str, ...]] = []
    exact: set[str] = set()
    words: list[str] = []
    distinct: set[str] = set()
    position = 0
    ends_in_phrase = False
    for match in _PHRASE.finditer(text):
        words.extend(before := tokenize(text[position : match.start()]))
        distinct.update(before[:MAX_QUERY_WORDS])
        quoted = tuple(tokenize(match.group(1)))
        words.extend(quoted)
        exact.update(quoted)
        room = max(MAX_QUERY_WORDS - len(distinct), 0)
        if len(quoted[:room]) > 1:
            phrases.append(quoted[:room])
        distinct.update(quoted[:MAX_QUERY_WORDS])
        position = match.end()
        ends_in_phrase = not text[position:].strip()
    words.extend(tokenize(text[position:]))
    if not words:
        raise EmptyQuery
    last = words[-1]
    # A query that ends in a phrase or in punctuation ("... bankruptcy?") is
    # finished: its last word is no longer being typed.
    finished = ends_in_phrase or text.rstrip()[-1:] in _FINISHED
    prefix = last if not finished and len(last) >= MIN_PREFIX else None
    return Query(tuple(words), tuple(phrases), frozenset(exact), prefix)
