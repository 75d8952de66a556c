"""The one record every stage downstream of the loader works with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Article:
    """A dated news article, whatever archive format it came from.

    ``published`` is always timezone-aware: naive timestamps are read in the
    archive's configured zone by the loader, so nothing downstream guesses.
    """

    id: str
    published: datetime
    source: str
    title: str
    body: str
    url: str | None = None

    @property
    def calendar_date(self) -> date:
        """The date in the article's own offset: what "on this day" means for it."""
        return self.published.date()
