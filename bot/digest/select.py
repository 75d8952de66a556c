"""What the archive holds for a calendar day: same month and day, earlier years.

Pure and shared by ``/onthisday``, scheduled digests and ``dateline digest``.
An article's calendar date is the date in its own timestamp's offset, so a
story filed at 22:42 in New York on 23 October belongs to 23 October. Articles
from 29 February join 28 February in years that have no 29th.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import chain, zip_longest

from bot.archive.model import Article


@dataclass(frozen=True)
class YearGroup:
    year: int
    years_ago: int
    articles: list[Article]

    @property
    def label(self) -> str:
        return "1 year ago" if self.years_ago == 1 else f"{self.years_ago} years ago"


def month_days(day: date) -> list[tuple[int, int]]:
    """The (month, day) keys that belong to ``day``: Feb 28 takes Feb 29 in common years."""
    keys = [(day.month, day.day)]
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        keys.append((2, 29))
    return keys


def diverse_order(articles: Sequence[Article]) -> list[Article]:
    """Round-robin across sources so one prolific outlet can't fill a digest.

    Deterministic: sources by their earliest article, articles by time then id.
    """
    by_source: dict[str, list[Article]] = defaultdict(list)
    for article in sorted(articles, key=lambda a: (a.published, a.id)):
        by_source[article.source].append(article)
    rounds = zip_longest(*by_source.values())
    return [a for a in chain.from_iterable(rounds) if a is not None]


class OnThisDay:
    """An index of articles by (month, day), built once per loaded archive.

    A story filed several times on one day (the same text under two headlines,
    "UPDATE 1-", "UPDATE 2-") is one item of a digest, not three: ``stories``
    gives each article's story (as the search index groups them), and a day
    keeps the story's latest version of that day, the most developed one.
    """

    def __init__(self, articles: Iterable[Article], stories: Iterable[int] | None = None) -> None:
        articles = list(articles)
        story_of = range(len(articles)) if stories is None else stories
        latest: dict[tuple[int, int], Article] = {}
        for article, story in zip(articles, story_of, strict=True):
            key = (article.calendar_date.toordinal(), int(story))
            kept = latest.get(key)
            if kept is None or (article.published, article.id) > (kept.published, kept.id):
                latest[key] = article
        self._by_day: dict[tuple[int, int], list[Article]] = defaultdict(list)
        for article in latest.values():
            when = article.calendar_date
            self._by_day[(when.month, when.day)].append(article)

    def select(self, day: date) -> list[YearGroup]:
        """Groups for ``day``, newest year first; empty when the archive has nothing."""
        by_year: dict[int, list[Article]] = defaultdict(list)
        for key in month_days(day):
            for article in self._by_day.get(key, ()):
                if article.calendar_date.year < day.year:
                    by_year[article.calendar_date.year].append(article)
        return [
            YearGroup(year, day.year - year, diverse_order(by_year[year]))
            for year in sorted(by_year, reverse=True)
        ]

    def nearest(
        self,
        day: date,
        *,
        accept: Callable[[list[YearGroup]], bool],
        max_days: int = 183,
    ) -> date | None:
        """The closest date to ``day`` (same year) whose groups ``accept`` takes, ties earlier."""
        for offset in range(1, max_days + 1):
            for candidate in (day - timedelta(days=offset), day + timedelta(days=offset)):
                if candidate.year == day.year and accept(self.select(candidate)):
                    return candidate
        return None
