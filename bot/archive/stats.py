"""Counts that describe an archive: how much, from when, from whom."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.archive.model import Article


@dataclass(frozen=True)
class ArchiveStats:
    count: int
    first: date | None
    last: date | None
    sources: list[tuple[str, int]]  # most articles first
    per_year: list[tuple[int, int]]  # ascending years

    def as_json(self) -> dict[str, object]:
        return {
            "count": self.count,
            "first": self.first.isoformat() if self.first else None,
            "last": self.last.isoformat() if self.last else None,
            "sources": dict(self.sources),
            "per_year": {str(year): n for year, n in self.per_year},
        }


def archive_stats(articles: Sequence[Article]) -> ArchiveStats:
    dates = [a.calendar_date for a in articles]
    sources = Counter(a.source for a in articles)
    years = Counter(d.year for d in dates)
    return ArchiveStats(
        count=len(articles),
        first=min(dates, default=None),
        last=max(dates, default=None),
        sources=sorted(sources.items(), key=lambda item: (-item[1], item[0].casefold())),
        per_year=sorted(years.items()),
    )
