"""What a reload replaces, held in one place so that nothing can keep a stale piece of it.

The loaded archive is an immutable :class:`ArchiveSnapshot`: the search index,
the "on this day" calendar built from the same articles, what loading
reported, and the summary drawn from them. :class:`ArchiveHolder` holds the
current snapshot and swaps it whole in :meth:`ArchiveHolder.reload`.

The rule that keeps reloads safe: code keeps the *holder*, never a snapshot
or a part of one. A command reads ``holder.current`` once and works with that
snapshot to the end, so one answer never mixes two archives, and the next
command sees the new one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from functools import cached_property, partial
from pathlib import Path

from bot import heap
from bot.archive import Article, Problem, discover, fingerprint, load_archive
from bot.archive.changes import load_changes
from bot.archive.chart import per_year_chart
from bot.archive.ledger import Ledger
from bot.archive.stats import ArchiveStats
from bot.config import Settings
from bot.digest.select import OnThisDay
from bot.errors import ConfigError
from bot.search import batched, cache, offload
from bot.search import merge as merging
from bot.search.index import SearchIndex
from bot.search.merge import MergePolicy

log = logging.getLogger(__name__)


class ReloadError(Exception):
    """A reload that would leave the bot worse off; the previous archive stays."""


@dataclass(frozen=True, eq=False)
class ArchiveSnapshot:
    """One loaded archive and everything derived from it; never changed after it is made."""

    index: SearchIndex
    calendar: OnThisDay
    problems: tuple[Problem, ...]
    from_cache: bool
    fingerprint: str
    # What reading only the archive's changes did ("+1,000 articles from 1 file,
    # 0 removed"); empty when the index was built whole or opened unchanged.
    update: str = ""

    @classmethod
    def of(
        cls,
        index: SearchIndex,
        problems: Sequence[Problem] = (),
        *,
        from_cache: bool = False,
        fingerprint: str = "",
        update: str = "",
    ) -> ArchiveSnapshot:
        """A snapshot of ``index``, with the calendar made from the same articles."""
        ordinals, timestamps = index.calendar_columns
        calendar = OnThisDay(index.articles, index.groups, ordinals=ordinals, timestamps=timestamps)
        return cls(index, calendar, tuple(problems), from_cache, fingerprint, update)

    @classmethod
    def of_articles(cls, articles: Sequence[Article]) -> ArchiveSnapshot:
        """A snapshot of articles already in memory (no files, no cache)."""
        return cls.of(SearchIndex.build(articles))

    @cached_property
    def summary(self) -> tuple[ArchiveStats, bytes]:
        """The archive's numbers and its per-year chart (PNG), made on first use.

        Drawing the chart takes matplotlib tens of milliseconds, holding the
        interpreter, so it is drawn once per archive (callers use a worker
        thread); a reload makes a new snapshot, so it is never stale.
        """
        stats = self.index.stats()
        return stats, per_year_chart(stats)

    def why_empty(self) -> str:
        return "; ".join(str(p) for p in self.problems[:3]) or "no archive files found"

    def require_articles(self) -> None:
        """Stop a command that serves articles when the archive gave none, saying why.

        An archive path with a typo would otherwise start a bot that finds nothing.
        """
        if not self.index.articles:
            raise ConfigError(
                f"the archive has no articles ({self.why_empty()}); "
                "check archive.paths or --archive"
            )


class ArchiveHolder:
    """The current :class:`ArchiveSnapshot`, and the one way to replace it."""

    def __init__(
        self, current: ArchiveSnapshot, load: Callable[[ArchiveSnapshot], ArchiveSnapshot]
    ) -> None:
        """``load`` reads the archive's changes since the snapshot it is given (in a worker
        thread) for :meth:`reload`."""
        self._current = current
        self._load = load
        self._reloading = asyncio.Lock()

    @classmethod
    def open(
        cls, settings: Settings, *, rebuild: bool = False, progress: bool | None = None
    ) -> ArchiveHolder:
        """Load the archive named by ``settings`` (from the index cache when it is fresh)."""
        first = _load(settings, rebuild=rebuild, progress=progress)
        return cls(first, partial(_reload, settings))

    @property
    def current(self) -> ArchiveSnapshot:
        return self._current

    async def reload(self) -> ArchiveSnapshot:
        """Re-read the archive in a worker thread and swap it in whole.

        Raises (and the previous archive keeps serving) when loading fails or
        would replace articles with none. Reloads run one at a time.
        """
        async with self._reloading:
            loaded = await asyncio.to_thread(self._load, self._current)
            if not loaded.index.articles and self._current.index.articles:
                why = loaded.why_empty()
                raise ReloadError(f"the archive now has no readable articles ({why})")
            self._current = loaded
            heap.settle()  # the previous snapshot is garbage now; the new one stays
        log.info(
            "Reloaded the archive: %d articles, %d problem(s)%s",
            len(loaded.index.articles),
            len(loaded.problems),
            f" ({loaded.update})" if loaded.update else "",
        )
        return loaded

    async def merge(self, policy: MergePolicy, cache_dir: Path | None = None) -> bool:
        """Merge index segments as ``policy`` asks, and swap the result in.

        Queries are answered by the current snapshot all the while; an update
        swapped in meanwhile is kept (what it deleted from the merged segments
        stays deleted). With ``cache_dir``, the merge runs in a child process
        from the cached segments (``bot.search.offload``), one process of those
        sharing the cache at a time: one that finds the cache already holds a
        merge of its segments opens it instead, and the result is saved when the
        cache still holds the index the merge started from. Without one (or when
        the cache lacks the segments) it runs in a worker thread. Returns whether
        a merge was swapped in; call it again while it returns True.
        Raises :class:`~bot.search.offload.MergeFailed` when the child fails.
        """
        if policy.plan(self._current.index) is None:
            return False
        if cache_dir is None:
            return await self._merged_here(policy, None)
        async with offload.one_merger(cache_dir):
            index = self._current.index
            done = await asyncio.to_thread(offload.adopted, index, cache_dir)
            if done is not None:
                return await self._swap(done, cache_dir)
            span = policy.plan(index)
            if span is None:
                return False
            if not offload.saved(index, *span, cache_dir):
                log.info("The cache lacks the segments to merge; merging in this process")
                return await self._merged_here(policy, cache_dir)
            return await self._swap(await offload.in_child(index, *span, cache_dir), cache_dir)

    async def _merged_here(self, policy: MergePolicy, cache_dir: Path | None) -> bool:
        """The merge in a worker thread of this process (no cache to hand it to a child)."""
        index = self._current.index
        span = policy.plan(index)
        if span is None:
            return False
        return await self._swap(await asyncio.to_thread(merging.merge, index, *span), cache_dir)

    async def _swap(self, done: merging.Merge, cache_dir: Path | None) -> bool:
        """Put ``done`` in the current index and serve that (saved when the cache allows).

        Each step runs in a worker thread, so the event loop keeps answering
        while the new index and calendar are made (they hold the interpreter).
        """
        async with self._reloading:
            current = self._current
            merged = await asyncio.to_thread(_merged_snapshot, current, done)
            if merged is None:
                return False
            if cache_dir is not None:
                await asyncio.to_thread(cache.save_merged, current.index, merged.index, cache_dir)
            self._current = merged
            heap.settle_young()  # no full collection: the queries meanwhile would wait for it
        return True


@heap.collection_paused()  # a new index's mass of records, all staying alive
def _merged_snapshot(current: ArchiveSnapshot, done: merging.Merge) -> ArchiveSnapshot | None:
    """``current`` with the merge ``done`` applied; None when its segments are gone."""
    index = merging.apply(current.index, done)
    if index is None:
        return None
    return ArchiveSnapshot.of(
        index, current.problems, from_cache=current.from_cache, fingerprint=current.fingerprint
    )


def merged_on_disk(
    snapshot: ArchiveSnapshot, policy: MergePolicy, cache_dir: Path
) -> tuple[ArchiveSnapshot, int]:
    """``snapshot`` with its segments merged as ``policy`` asks, in this process, and saved.

    For ``dateline index``, where nothing is serving: the merges run here, one
    after another, holding the cache's merge lock (a bot sharing the cache
    merges those segments once, not twice), and the result is saved when the
    cache still holds the index merging started from. Returns the snapshot
    and how many segments it had before (equal to its count: nothing merged).
    """
    before = snapshot.index
    index = before
    with cache.merge_lock(cache_dir):
        while (span := policy.plan(index)) is not None:
            merged = merging.apply(index, merging.merge(index, *span))
            if merged is None:  # cannot happen: nothing else changes ``index``
                break
            index = merged
        if index is before:
            return snapshot, len(before.segments)
        cache.save_merged(before, index, cache_dir)
    after = ArchiveSnapshot.of(
        index,
        snapshot.problems,
        from_cache=snapshot.from_cache,
        fingerprint=snapshot.fingerprint,
        update=snapshot.update,
    )
    return after, len(before.segments)


def _load(
    settings: Settings,
    *,
    rebuild: bool,
    progress: bool | None,
    current: ArchiveSnapshot | None = None,
) -> ArchiveSnapshot:
    return open_snapshot(
        settings.archive.paths,
        settings.archive.zone,
        Path(settings.search.cache_dir),
        rebuild=rebuild,
        progress=progress,
        current=current,
    )


def _reload(settings: Settings, current: ArchiveSnapshot) -> ArchiveSnapshot:
    return _load(settings, rebuild=False, progress=False, current=current)


def open_snapshot(
    paths: Sequence[str | Path],
    zone: tzinfo,
    cache_dir: Path,
    *,
    rebuild: bool = False,
    progress: bool | None = None,
    current: ArchiveSnapshot | None = None,
) -> ArchiveSnapshot:
    """The archive at ``paths``: its index from the cache when fresh, else brought up to date.

    A cached index whose archive changed is updated by reading only what
    changed (``bot.archive.changes``): a segment of the new articles, the
    articles of changed and removed files deleted. With no usable cache, or
    ``rebuild``, the archive is read and indexed whole. ``current``, the
    snapshot a running bot serves, spares reading the cached index again
    when it is the one cached.

    Paths that match nothing are reported afresh each time, never from the
    cache: the cache is keyed by the files found, so any number of different
    missing paths share one entry.
    """
    files, not_found = discover(paths)
    key = fingerprint(files, zone)
    if not rebuild and current is not None and current.fingerprint == key:
        return current  # nothing changed since it was loaded: no need to read the cache again
    entry = cache.folder_for(cache_dir)
    if not rebuild and (cached := _from_cache(entry, key, not_found)) is not None:
        return cached
    with cache.builder_lock(Path(cache_dir)):
        # Processes started together on one machine: the first builds, the others
        # wait here and then open what it wrote (memory-mapped, so they share it).
        if not rebuild and (cached := _from_cache(entry, key, not_found)) is not None:
            return cached
        if not rebuild and (updated := _updated(paths, zone, Path(cache_dir), current)):
            return _saved(updated, entry, key, not_found)
        index, problems = _whole(paths, zone, Path(cache_dir), key, not_found, progress=progress)
    return ArchiveSnapshot.of(index, [*not_found, *problems], fingerprint=key)


def _whole(
    paths: Sequence[str | Path],
    zone: tzinfo,
    cache_dir: Path,
    key: str,
    not_found: Sequence[Problem],
    *,
    progress: bool | None,
) -> tuple[SearchIndex, list[Problem]]:
    """The archive read and indexed whole, into the cache in batches, and opened from there.

    The loaded articles are let go before the index is opened, so the two are
    never in memory together. Where the cache cannot be written (or read back),
    the index is built in memory instead.
    """
    entry = cache.folder_for(cache_dir)
    try:
        with batched.ColdBuild(entry) as build:
            report = load_archive(
                paths, zone, progress=progress, spool_dir=cache_dir, loaded=build.loaded
            )
            problems = [problem for problem in report.problems if problem not in not_found]
            build.finish(
                report.articles,
                report.origins,
                report.aliases,
                report.twins,
                problems,
                key=key,
                provenance=cache.write_provenance(entry, report.ledger),
            )
        del report
        # Serve what was just written: its arrays are memory-mapped and its bodies
        # read from the entry, so none of the build's memory outlives the build.
        return cache.load(entry)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("Could not write the index cache to %s: %s", entry, exc)
    report = load_archive(paths, zone, progress=progress, spool_dir=cache_dir)
    index = SearchIndex.build(report.articles, report.aliases, report.twins, files=report.origins)
    return index, [problem for problem in report.problems if problem not in not_found]


@dataclass(frozen=True)
class _Updated:
    """The index an update made, and what its snapshot and the cache need of the update."""

    index: SearchIndex
    problems: list[Problem]
    summary: str
    ledger: str | None  # the new ledger's file in the cache (None: it could not be written)


def _updated(
    paths: Sequence[str | Path], zone: tzinfo, cache_dir: Path, current: ArchiveSnapshot | None
) -> _Updated | None:
    """The cached index with the archive's changes applied; None when it must be rebuilt.

    Called holding the builder lock, so no other process changes the cache meanwhile.
    The ledger is read from the cache for the update alone, and the new one written
    there before the new segment is built, so neither is held beside the new index.
    """
    entry = cache.folder_for(cache_dir)
    cached_key = cache.key_of(entry)
    if cached_key is None:
        return None
    try:
        if current is not None and current.fingerprint == cached_key:
            index = current.index  # what this process serves is what the cache holds
        else:
            index, _ = cache.load(entry)
        ledger = Ledger.from_bytes(cache.read_provenance(entry))
        update = load_changes(ledger, paths, zone, indexed=index, spool_dir=cache_dir)
    except (OSError, ValueError, KeyError, LookupError) as exc:  # LedgerMismatch among them
        log.info("Indexing the whole archive: the cached index cannot be updated (%s)", exc)
        return None
    del ledger
    problems, summary = update.ledger.problems(), update.summary()
    ledger_file = _written(update.ledger, entry)
    aliases, twins = update.ledger.aliases(), update.ledger.twins()
    articles, origins, retired = update.articles, update.origins, update.retired
    del update  # the ledgers' ids and keys: tens of MB at 10^6 articles
    if retired:
        index = index.without(files=retired)
    if articles:
        index = index.with_segment(articles, files=origins, aliases=aliases, twins=twins)
    if aliases != index.aliases:  # a retired file's aliases go with it
        index = SearchIndex(
            index.segments, deleted=index.deleted, aliases=aliases, links=index.links
        )
    log.info("Updated the index: %s", summary)
    return _Updated(index, problems, summary, ledger_file)


def _written(ledger: Ledger, entry: Path) -> str | None:
    """``ledger`` written to the cache folder ``entry``: its file's name; None when it
    cannot be written (then the index is not saved either)."""
    try:
        return cache.write_provenance(entry, ledger)
    except OSError as exc:
        log.warning("Could not write the index cache to %s: %s", entry, exc)
        return None


def _saved(done: _Updated, entry: Path, key: str, not_found: Sequence[Problem]) -> ArchiveSnapshot:
    """The updated index written to the cache (its new segment and manifest), and its snapshot."""
    index = done.index
    if done.ledger is not None:
        try:
            cache.save(index, done.problems, entry, key, done.ledger)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("Could not write the index cache to %s: %s", entry, exc)
    segments = f"{len(index.segments)} segment{'s' * (len(index.segments) != 1)}"
    return ArchiveSnapshot.of(
        index, [*not_found, *done.problems], fingerprint=key, update=f"{done.summary}, {segments}"
    )


def _from_cache(entry: Path, key: str, not_found: Sequence[Problem]) -> ArchiveSnapshot | None:
    if cache.key_of(entry) != key:
        return None
    try:
        index, problems = cache.load(entry)
    except (OSError, ValueError, KeyError) as exc:
        log.warning("Ignoring unreadable index cache %s (%s); rebuilding", entry, exc)
        return None
    log.info("Loaded index for %d articles from cache %s", len(index.articles), entry)
    return ArchiveSnapshot.of(index, [*not_found, *problems], from_cache=True, fingerprint=key)
