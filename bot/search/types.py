"""What the search engine hands back to the CLI, the Discord glue and digests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property

from bot.archive.model import Article
from bot.search.snippet import make_snippet


class Order(StrEnum):
    """How hits are listed: by relevance, or by date among the best-matching articles."""

    BEST = "best"
    NEWEST = "newest"
    OLDEST = "oldest"


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions applied before ranking. Dates compare the article's calendar date."""

    after: date | None = None  # inclusive
    before: date | None = None  # inclusive
    source: str | None = None  # case-insensitive exact outlet name

    @classmethod
    def within_year(cls, year: int | None, source: str | None = None) -> Filters:
        """All of ``year`` (any year when None), from ``source`` when given."""
        if year is None:
            return cls(source=source)
        return cls(date(year, 1, 1), date(year, 12, 31), source)


@dataclass(frozen=True)
class Hit:
    """A ranked article; its snippet is made only when someone reads it.

    A page shows five of the hits a search returns, so building every
    snippet up front would be mostly wasted work on the hot path.
    """

    article: Article
    score: float
    matched: frozenset[str] = field(default=frozenset(), repr=False)  # normalised terms

    @cached_property
    def snippet(self) -> str:
        """<= 300 chars of body around the best match, matched words in **bold**."""
        return make_snippet(self.article.story(), self.matched)


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: str
    title: str
    day: date  # the article's calendar date: tells same-titled stories apart
