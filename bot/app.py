"""The one place Dateline's parts are wired together.

Everything a command needs arrives through an :class:`App` built once at
start-up and passed in by construction; nothing reads settings or opens
resources at import time. The clock and the random source are injected so
tests can pin "today" and "random".
"""

from __future__ import annotations

import logging
import random
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from bot.archive import Problem
from bot.archive.chart import per_year_chart
from bot.archive.stats import ArchiveStats, archive_stats
from bot.clock import Clock, utc_now
from bot.config import Settings
from bot.digest.select import OnThisDay
from bot.errors import ConfigError
from bot.search.cache import OpenedIndex, open_index
from bot.search.index import SearchIndex
from bot.store import Store

log = logging.getLogger(__name__)


class ReloadError(Exception):
    """A reload that would leave the bot worse off; the previous archive stays."""


@dataclass
class App:
    settings: Settings
    opened: OpenedIndex
    clock: Clock = utc_now
    rng: random.Random = field(default_factory=random.Random)
    calendar: OnThisDay = field(init=False)
    _summary: tuple[ArchiveStats, bytes] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.calendar = OnThisDay(self.opened.index.articles)

    def summary(self) -> tuple[ArchiveStats, bytes]:
        """The archive's numbers and its per-year chart (PNG), made once per loaded archive.

        Drawing the chart takes matplotlib tens of milliseconds, holding the
        interpreter; the archive only changes on reload, which forgets them.
        """
        if self._summary is None:
            stats = archive_stats(self.index.articles)
            self._summary = stats, per_year_chart(stats)
        return self._summary

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        rebuild: bool = False,
        progress: bool | None = None,
        clock: Clock = utc_now,
    ) -> App:
        return cls(settings, _open(settings, rebuild=rebuild, progress=progress), clock)

    @cached_property
    def store(self) -> Store:
        """Opened on first use: CLI commands that never touch subscriptions never create it."""
        return Store.open(self.settings.store.url)

    @property
    def index(self) -> SearchIndex:
        return self.opened.index

    @property
    def problems(self) -> list[Problem]:
        return self.opened.problems

    def require_articles(self) -> None:
        """Stop a command that serves articles when the archive gave none, saying why.

        An archive path with a typo would otherwise start a bot that finds nothing.
        """
        if not self.index.articles:
            raise ConfigError(
                f"the archive has no articles ({_why_empty(self.opened)}); "
                "check archive.paths or --archive"
            )

    def reload(self) -> OpenedIndex:
        """Re-read the archive and swap it in; raises (keeping the old one) if that fails."""
        opened = _open(self.settings, rebuild=False, progress=False)
        if not opened.index.articles and self.index.articles:
            raise ReloadError(f"the archive now has no readable articles ({_why_empty(opened)})")
        calendar = OnThisDay(opened.index.articles)
        self.opened, self.calendar, self._summary = opened, calendar, None
        return opened


def _why_empty(opened: OpenedIndex) -> str:
    return "; ".join(str(p) for p in opened.problems[:3]) or "no archive files found"


def _open(settings: Settings, *, rebuild: bool, progress: bool | None) -> OpenedIndex:
    return open_index(
        settings.archive.paths,
        settings.archive.zone,
        Path(settings.search.cache_dir),
        rebuild=rebuild,
        progress=progress,
    )
