"""What the search engine hands back to the CLI, the Discord glue and digests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import cached_property

from bot.archive.model import Article
from bot.dates import parse_date_bound
from bot.errors import BadDate
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
    def from_bounds(
        cls,
        after: str | None = None,
        before: str | None = None,
        source: str | None = None,
        *,
        year: int | None = None,
    ) -> Filters:
        """Filters from what someone typed: the one way commands and the CLI build them.

        ``after`` and ``before`` take YYYY-MM-DD, YYYY-MM or YYYY, a partial date
        covering all of its period; ``year`` keeps that calendar year as well.
        Raises :class:`BadDate` for a date that isn't one, and for bounds with
        nothing between them, instead of searching for what can never match.
        """
        first = parse_date_bound(after, end=False) if after else None
        last = parse_date_bound(before, end=True) if before else None
        if year is not None:
            first = max(first or date.min, parse_date_bound(f"{year:04}", end=False))
            last = min(last or date.max, parse_date_bound(f"{year:04}", end=True))
        if first and last and first > last:
            raise BadDate("`after` is later than `before`: nothing can match.")
        return cls(first, last, source or None)


@dataclass(frozen=True)
class Hit:
    """A ranked article; its snippet is made only when someone reads it.

    A page shows five of the hits a search returns, so building every
    snippet up front would be mostly wasted work on the hot path.
    """

    article: Article
    score: float
    matched: frozenset[str] = field(default=frozenset(), repr=False)  # normalised terms
    # The ids of every version of this story (re-filings, twins), oldest first;
    # empty when the story has one. The others are left out of the hit list.
    versions: tuple[str, ...] = ()

    @cached_property
    def snippet(self) -> str:
        """<= 300 chars of body around the best match, matched words in **bold**."""
        return make_snippet(self.article.story(), self.matched)


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: str
    title: str
    day: date  # the article's calendar date: tells same-titled stories apart
