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
from itertools import chain, pairwise, zip_longest

import numpy as np

from bot.archive.model import Article
from bot.search.views import id_keys

TIE_BLOCK = 16_384  # tied articles whose ids are compared at a time (see below)


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
    It holds positions into ``articles`` (an index's view, which makes an
    article when asked), and makes only the articles a day shows.
    """

    def __init__(
        self,
        articles: Sequence[Article],
        stories: Iterable[int] | None = None,
        *,
        ordinals: np.ndarray | None = None,
        timestamps: np.ndarray | None = None,
    ) -> None:
        """``stories``, ``ordinals`` (calendar dates) and ``timestamps`` run parallel to
        ``articles``; an index passes the arrays it holds, as deriving them from the
        articles is seconds at 10^6 of them."""
        size = len(articles)
        if ordinals is None:
            ordinals = np.fromiter((a.calendar_date.toordinal() for a in articles), np.int64, size)
        if timestamps is None:
            timestamps = np.fromiter((a.published.timestamp() for a in articles), np.float64, size)
        story = np.arange(size) if stories is None else np.fromiter(stories, np.int64, size)
        kept = _latest_per_day_and_story(articles, np.asarray(ordinals), story, timestamps)
        days, which = np.unique(np.asarray(ordinals)[kept], return_inverse=True)
        dates = [date.fromordinal(o) for o in days.tolist()]
        keys = np.asarray([d.month * 100 + d.day for d in dates], np.int32)[which]
        by_key = np.argsort(keys, kind="stable")  # a day's articles keep the archive's order
        self._articles = articles
        self._keys = keys[by_key]  # month * 100 + day, ascending
        self._positions = kept[by_key]
        self._years = np.asarray([d.year for d in dates], np.int32)[which][by_key]

    def select(self, day: date) -> list[YearGroup]:
        """Groups for ``day``, newest year first; empty when the archive has nothing."""
        by_year: dict[int, list[Article]] = defaultdict(list)
        for month, day_of_month in month_days(day):
            key = month * 100 + day_of_month
            lo, hi = np.searchsorted(self._keys, [key, key + 1]).tolist()
            earlier = self._years[lo:hi] < day.year
            years = self._years[lo:hi][earlier].tolist()
            for n, year in zip(self._positions[lo:hi][earlier].tolist(), years, strict=True):
                by_year[year].append(self._articles[n])
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


def _latest_per_day_and_story(
    articles: Sequence[Article], ordinals: np.ndarray, stories: np.ndarray, timestamps: np.ndarray
) -> np.ndarray:
    """Positions of each (calendar day, story)'s latest article, ascending.

    Sorted by day, story and time, a run's last article is its latest; where
    the latest time is shared (rare in an archive, all but universal in a
    replicated one), the larger id, as ``(published, id)`` sorts. Those ties
    are settled :data:`TIE_BLOCK` articles at a time, whole runs each: the ids'
    keys of a million tied articles at once were a reload's largest moment of
    memory at 10^6 articles (about 100 MB beside the index being replaced).
    """
    order = np.lexsort((timestamps, stories, ordinals))
    day, story = ordinals[order], stories[order]
    last = np.ones(len(order), bool)
    last[:-1] = (day[1:] != day[:-1]) | (story[1:] != story[:-1])
    del day, story
    run = np.cumsum(last) - last  # each article's (day, story) run, numbered in order
    ends = np.flatnonzero(last)
    chosen = order[ends]
    when = timestamps[order]
    tying = np.flatnonzero(when == when[ends][run])
    del when
    tied_runs = np.bincount(run[tying], minlength=len(ends)) > 1
    tying = tying[tied_runs[run[tying]]]  # in order, so each run's ties are side by side
    for lo, hi in _blocks(run[tying], TIE_BLOCK):
        part = tying[lo:hi]
        ids, lengths = id_keys(articles, order[part])
        part = part[np.lexsort((lengths, ids, run[part]))]
        winners = part[np.r_[run[part][1:] != run[part][:-1], True]]
        chosen[run[winners]] = order[winners]
    return np.sort(chosen)


def _blocks(runs: np.ndarray, size: int) -> list[tuple[int, int]]:
    """Bounds splitting the ascending ``runs`` into blocks of about ``size``, none
    splitting a run (a run longer than ``size`` is a block of its own)."""
    starts = np.flatnonzero(np.r_[True, runs[1:] != runs[:-1]]) if len(runs) else runs
    cuts = np.searchsorted(starts, np.arange(size, len(runs), size))
    bounds = np.unique(np.r_[0, starts[cuts[cuts < len(starts)]], len(runs)]).tolist()
    return list(pairwise(bounds))
