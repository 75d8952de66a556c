"""One immutable run of indexed articles: its own vocabulary, postings, typo and sound keys.

An index is a list of segments (:class:`bot.search.index.SearchIndex`): a
base and later additions, each written once to its own folder of the cache
and memory-mapped from there. A segment never changes; deleting an article
marks it in the index's per-segment deleted set, and a merge writes a new
segment from several old ones' surviving articles.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from bot.archive.model import Article
from bot.search.fuzzy import FuzzyIndex
from bot.search.hashing import text_hashes
from bot.search.ids import IdLookup
from bot.search.postings import Postings, build_postings
from bot.search.sounds import SoundIndex
from bot.search.stories import headline_hashes, headline_key
from bot.search.table import ArticleTable
from bot.search.views import id_at

NO_FILE = -1  # an article whose archive file was not recorded


@dataclass(frozen=True, eq=False)
class Segment:
    """Articles and the index of their words, numbered from 0 within the segment."""

    articles: Sequence[Article]
    postings: Postings
    fuzzy: FuzzyIndex
    sounds: SoundIndex
    # Where each article came from: the archive files, and per article the
    # index of its file in ``files`` (``NO_FILE`` when not recorded), so a
    # file's articles can be found again to delete them when it changes.
    files: tuple[str, ...] = ()
    origins: np.ndarray | None = None  # int32 per article
    name: str = field(default_factory=lambda: new_name())  # its folder in the cache
    # The per-article values below as the cache saved them (by name), so a process
    # opening a cached index of 10^6 articles maps them instead of deriving them.
    stored: Mapping[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def build(
        cls, articles: Sequence[Article], files: Sequence[str | None] | None = None
    ) -> Segment:
        """Index ``articles``; ``files`` names each one's archive file (parallel), if known."""
        articles = list(articles)
        return cls.of_postings(articles, build_postings(articles), files)

    @classmethod
    def of_postings(
        cls,
        articles: Sequence[Article],
        postings: Postings,
        files: Sequence[str | None] | None = None,
        stored: Mapping[str, np.ndarray] | None = None,
        origins: tuple[tuple[str, ...], np.ndarray] | None = None,
    ) -> Segment:
        """A segment of ``articles`` whose postings (and ``stored`` columns) are already made.

        ``origins`` (the file names, and per article its name's number) is ``files``
        already numbered, as a merge carries it across.
        """
        names, origins_of = origins or _origins(files, len(articles))
        return cls(
            articles,
            postings,
            FuzzyIndex.build(postings.terms),
            SoundIndex.build(postings.terms),
            names,
            origins_of,
            stored=dict(stored or {}),
        )

    def __len__(self) -> int:
        return len(self.articles)

    def from_files(self, paths: set[str]) -> np.ndarray:
        """Positions (in this segment) of the articles that came from any of ``paths``."""
        if self.origins is None or not self.files:
            return np.zeros(0, np.int64)
        wanted = [n for n, path in enumerate(self.files) if path in paths]
        return np.flatnonzero(np.isin(self.origins, wanted)) if wanted else np.zeros(0, np.int64)

    def file_of(self, position: int) -> str | None:
        """The archive file the article at ``position`` came from, None when not recorded."""
        if self.origins is None:
            return None
        origin = int(self.origins[position])
        return None if origin == NO_FILE else self.files[origin]

    # Per-article values every index over this segment needs, computed once per
    # segment (an index that gains a segment reuses the others') and saved with it.
    STORED = ("timestamps", "ordinals", "headline_hashes")

    def _saved_or(self, name: str, derive: Callable[[], np.ndarray]) -> np.ndarray:
        """The column ``name`` as the cache saved it, else ``derive()``'s."""
        saved = self.stored.get(name)
        return saved if saved is not None else derive()

    @cached_property
    def timestamps(self) -> np.ndarray:
        articles = self.articles
        return self._saved_or(
            "timestamps",
            lambda: np.fromiter((a.published.timestamp() for a in articles), np.float64),
        )

    @cached_property
    def ordinals(self) -> np.ndarray:
        articles = self.articles
        return self._saved_or(
            "ordinals",
            lambda: np.fromiter((a.calendar_date.toordinal() for a in articles), np.int32),
        )

    @cached_property
    def headlines(self) -> list[str]:
        """Each article's headline as a story's versions share it (bot.search.stories)."""
        return [headline_key(a.title) for a in self.articles]

    @cached_property
    def positions(self) -> IdLookup:
        """Each article id's position in this segment (``.get(id)``, ``.find(ids)``)."""
        articles = self.articles
        if isinstance(articles, ArticleTable):
            return articles.ids  # saved with the table
        ids = [id_at(articles, n) for n in range(len(articles))]
        return IdLookup.of(text_hashes(ids), ids.__getitem__)

    @cached_property
    def outlets(self) -> tuple[tuple[str, ...], np.ndarray]:
        """The outlets named here (first seen first), and per article its outlet's number."""
        if isinstance(self.articles, ArticleTable):
            columns = self.articles.columns
            return columns.outlets, columns.outlet_codes
        names: dict[str, int] = {}
        codes = np.fromiter(
            (names.setdefault(a.source, len(names)) for a in self.articles),
            np.int32,
            len(self.articles),
        )
        return tuple(names), codes

    @cached_property
    def headline_hashes(self) -> np.ndarray:
        """Each article's :func:`~bot.search.stories.headline_hashes` (uint64)."""
        return self._saved_or("headline_hashes", lambda: headline_hashes(self.headlines))


def _origins(files: Sequence[str | None] | None, size: int) -> tuple[tuple[str, ...], np.ndarray]:
    if files is None:
        return (), np.full(size, NO_FILE, dtype=np.int32)
    if len(files) != size:
        raise ValueError(f"{len(files)} file names for {size} articles")
    names: dict[str, int] = {}
    origins = np.fromiter(
        (NO_FILE if f is None else names.setdefault(f, len(names)) for f in files),
        np.int32,
        size,
    )
    return tuple(names), origins


def new_name() -> str:
    """A name no other segment has: its folder in the cache, and how merges refer to it."""
    return f"s{time.time_ns():x}-{secrets.token_hex(4)}"
