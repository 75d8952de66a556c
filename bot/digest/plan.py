"""What one day's digest holds: the selection, filtered, capped and summarised.

Pure, shared by scheduled digests, ``/digest preview`` and ``dateline digest``.
A big day is cut to ``max_items`` by taking the newest year's first story,
then the next year's, and so on round-robin, so every year is represented
before any year gets a second story; the rest is counted, not dropped silently.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from bot.archive.model import Article
from bot.digest.select import OnThisDay, YearGroup

EmptyPolicy = Literal["skip", "nearest"]


@dataclass(frozen=True)
class DigestOptions:
    min_items: int = 1
    max_items: int | None = 10  # None: every article, nothing summarised
    sources: Sequence[str] = ()
    empty: EmptyPolicy = "skip"


@dataclass(frozen=True)
class Digest:
    requested: date  # the day the digest is for
    day: date  # the day whose articles it shows (differs with empty = "nearest")
    groups: list[YearGroup]  # shown articles only, newest year first
    total: int  # articles the day has (after the source filter)
    selected: list[Article] = field(default_factory=list)  # all of them, in order

    @property
    def shown(self) -> int:
        return sum(len(g.articles) for g in self.groups)

    @property
    def substituted(self) -> bool:
        return self.day != self.requested


def _only_sources(groups: list[YearGroup], sources: Sequence[str]) -> list[YearGroup]:
    if not sources:
        return groups
    wanted = {s.casefold() for s in sources}
    kept = [
        YearGroup(g.year, g.years_ago, [a for a in g.articles if a.source.casefold() in wanted])
        for g in groups
    ]
    return [g for g in kept if g.articles]


def _cap(groups: list[YearGroup], limit: int | None) -> list[YearGroup]:
    if limit is None:
        return groups
    taken: dict[int, int] = {g.year: 0 for g in groups}
    budget = limit
    depth = 0
    while budget > 0 and any(len(g.articles) > depth for g in groups):
        for g in groups:
            if budget and len(g.articles) > depth:
                taken[g.year] += 1
                budget -= 1
        depth += 1
    return [
        YearGroup(g.year, g.years_ago, g.articles[: taken[g.year]]) for g in groups if taken[g.year]
    ]


def plan_digest(calendar: OnThisDay, day: date, options: DigestOptions) -> Digest | None:
    """The digest for ``day``, or None when the day is skipped (fewer than ``min_items``)."""

    def enough(groups: list[YearGroup]) -> bool:
        return sum(len(g.articles) for g in _only_sources(groups, options.sources)) >= max(
            options.min_items, 1
        )

    shown_day = day
    groups = calendar.select(day)
    if not enough(groups):
        nearest = calendar.nearest(day, accept=enough) if options.empty == "nearest" else None
        if nearest is None:
            return None
        shown_day, groups = nearest, calendar.select(nearest)
    groups = _only_sources(groups, options.sources)
    if shown_day != day:  # "N years ago" counts from the requested day's year
        groups = [YearGroup(g.year, day.year - g.year, g.articles) for g in groups]
    selected = [a for g in groups for a in g.articles]
    return Digest(day, shown_day, _cap(groups, options.max_items), len(selected), selected)
