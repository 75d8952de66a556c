"""The one place Dateline's parts are wired together.

Everything a command needs arrives through an :class:`App` built once at
start-up and passed in by construction; nothing reads settings or opens
resources at import time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from bot.archive import Problem
from bot.config import Settings
from bot.search.cache import OpenedIndex, open_index
from bot.search.index import SearchIndex

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    opened: OpenedIndex

    @classmethod
    def open(
        cls, settings: Settings, *, rebuild: bool = False, progress: bool | None = None
    ) -> App:
        return cls(settings, _open(settings, rebuild=rebuild, progress=progress))

    @property
    def index(self) -> SearchIndex:
        return self.opened.index

    @property
    def problems(self) -> list[Problem]:
        return self.opened.problems

    def reload(self) -> OpenedIndex:
        """Re-read the archive; on failure the old archive stays and the error propagates."""
        self.opened = _open(self.settings, rebuild=False, progress=False)
        return self.opened


def _open(settings: Settings, *, rebuild: bool, progress: bool | None) -> OpenedIndex:
    return open_index(
        settings.archive.paths,
        settings.archive.zone,
        Path(settings.search.cache_dir),
        rebuild=rebuild,
        progress=progress,
    )
