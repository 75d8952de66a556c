"""The one place Dateline's parts are wired together, and the owner of their lifecycle.

Everything a command needs arrives through an :class:`App` built once at
start-up and passed in by construction; nothing reads settings or opens
resources at import time. The clock and the random source are injected so
tests can pin "today" and "random".

Lifecycle, in the spirit of discord.py's ``advanced_startup.py``::

    app = App.open(settings)              # loads the archive; opens nothing else
    async with app:                       # opens the store (migrated), the cluster bus,
                                          # the archive watcher (archive.watch), the endpoint
        bot = create_bot(app)
        ...                               # the bot's setup calls app.start_digests(poster)
    # closed in reverse order: digests, endpoint, segment merging, watcher, bus, store

CLI commands that only read the archive use ``App.open(...)`` without
entering it, so they never create a database.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from contextlib import AsyncExitStack, suppress
from datetime import datetime
from functools import cached_property
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self

import asyncpg
from sqlalchemy.exc import SQLAlchemyError

from bot.archive import discover, fingerprint
from bot.archive.watch import ArchivePaths, ArchiveWatcher
from bot.clock import Clock, utc_now
from bot.cluster.bus import Bus, ClusterEvents, open_bus
from bot.cluster.topology import Topology, process_identity, resolve
from bot.config import Settings
from bot.digest.delivery import Deliverer, Poster
from bot.digest.schedule import DigestScheduler
from bot.errors import ConfigError
from bot.observe.metrics import Metrics
from bot.search.merge import MergePolicy
from bot.snapshot import ArchiveHolder, ReloadError
from bot.store import Store
from bot.store.models import Claimant

log = logging.getLogger(__name__)


class Endpoint(Protocol):
    """A server that runs alongside the bot (e.g. an HTTP endpoint for health and metrics).

    Pass one as ``App(endpoint=...)``: the App starts it once the store is
    open, handing it itself so it can read ``app.archive.current``,
    ``app.store`` and ``app.digests``, and closes it before the digests and
    the store on the way out.
    """

    async def start(self, app: App) -> None: ...

    async def close(self) -> None: ...


class App:
    """Settings, the archive holder, the clock and rng; and, while entered, what it opened.

    It owns the store, the digest scheduler and the optional ``endpoint``
    (see :class:`Endpoint`): nothing else opens or closes them.
    """

    def __init__(
        self,
        settings: Settings,
        archive: ArchiveHolder,
        *,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        endpoint: Endpoint | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()  # this process's counters; one registry per App
        self.metrics.watch_archive(lambda: len(archive.current.index.articles))
        self.archive = archive
        self.clock = clock  # tests swap it; everything reads it through ``now``
        self.rng = rng or random.Random()
        self.endpoint = endpoint
        self._resources = AsyncExitStack()
        self._store: Store | None = None
        self._digests: DigestScheduler | None = None
        self._digest_start: asyncio.Task[None] | None = None
        self._bus: Bus | None = None
        self._merging: asyncio.Task[None] | None = None
        self.identity = process_identity()  # names this process's claims and cluster answers

    @classmethod
    def open(
        cls,
        settings: Settings,
        *,
        rebuild: bool = False,
        progress: bool | None = None,
        clock: Clock = utc_now,
        endpoint: Endpoint | None = None,
    ) -> App:
        """An App over the archive ``settings`` name, loaded now (CPU-bound; before the loop)."""
        started = time.perf_counter()
        archive = ArchiveHolder.open(settings, rebuild=rebuild, progress=progress)
        app = cls(settings, archive, clock=clock, endpoint=endpoint)
        app.metrics.index_seconds.set(time.perf_counter() - started)
        return app

    def now(self) -> datetime:
        return self.clock()

    @cached_property
    def topology(self) -> Topology:
        """This process's shards and the guilds it owns; ConfigError when it can't run them."""
        return resolve(self.settings.cluster, self.settings.store.url)

    # --- lifecycle ---

    async def __aenter__(self) -> Self:
        try:
            await self._open()
        except BaseException:
            await self.__aexit__(None, None, None)
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            await self._resources.aclose()  # in reverse order of opening
        finally:
            self._store, self._digests, self._digest_start = None, None, None
            self._bus = None

    async def _open(self) -> None:
        try:  # migrations first: a store that can't be opened stops start-up here
            store = Store.open(self.settings.store.connect_url())
            self._resources.push_async_callback(store.close)
            await store.start()
        except (SQLAlchemyError, OSError) as error:
            raise ConfigError(f"store.url: cannot open the store: {error}") from None
        self._store = store
        events = ClusterEvents(self._subscription_changed, self._reload_reported, self._reconcile)
        try:
            bus = await open_bus(self.settings.store.connect_url(), self.identity, events)
        except (OSError, asyncpg.PostgresError) as error:
            raise ConfigError(f"store.url: cannot listen for cluster news: {error}") from None
        self._resources.push_async_callback(bus.close)
        self._bus = bus
        self._start_watching()
        self._resources.push_async_callback(self._stop_merging)
        self.merge_in_background()  # updates made by `dateline index` may have left many segments
        if self.endpoint is not None:
            self._resources.push_async_callback(self.endpoint.close)
            await self.endpoint.start(self)

    def _start_watching(self) -> None:
        """With ``archive.watch`` set, reload the archive whenever its files change and settle.

        Each process watches and reloads itself (:meth:`reload_here`, the step
        SIGHUP and ``/dateline reload`` run in every process), never the whole
        cluster: every process sees the same files change, so a broadcast from
        each would reload everyone once per process. Processes on one machine
        still build once: the first takes the cache's builder lock and writes
        the index, the others wait for it and open what it wrote (docs/cluster.md).
        """
        archive = self.settings.archive
        if archive.watch is None:
            return
        paths = ArchivePaths(archive.paths, ignore=[Path(self.settings.search.cache_dir)])
        watcher = ArchiveWatcher(
            paths, self.reload_here, quiet=archive.watch, missed=self._archive_moved_on
        )
        self._resources.push_async_callback(watcher.stop)
        watcher.start()

    def _archive_moved_on(self) -> bool:
        """Whether the archive's files differ from those the current snapshot was loaded from."""
        files, _missing = discover(self.settings.archive.paths)
        return fingerprint(files, self.settings.archive.zone) != self.archive.current.fingerprint

    async def start_digests(self, poster: Poster) -> DigestScheduler:
        """Start posting scheduled digests through ``poster``; they stop when the App closes.

        Called by the Discord glue once it can post (and it calls
        :meth:`stop_digests` before it closes). Catch-up at start may post
        many digests, so it runs in the background instead of holding up the
        caller (the gateway connection).
        """
        if self._digests is not None:
            raise RuntimeError("digests are already started")
        settings, cluster = self.settings.digest, self.settings.cluster
        claimant = Claimant(self.identity, cluster.lease)
        deliverer = Deliverer(
            self.store, self.archive, poster, self.now, claimant, empty=settings.empty
        )
        self._digests = DigestScheduler(
            self.store,
            deliverer,
            self.now,
            catch_up=settings.catch_up,
            misfire_grace=settings.misfire_grace,
            metrics=self.metrics,
            topology=self.topology,
            repair_every=cluster.lease,
            reconcile_every=cluster.reconcile_every,
        )
        self._digest_start = asyncio.create_task(self._digests.start(), name="digest-start")
        self._digest_start.add_done_callback(_log_failure)
        self._resources.push_async_callback(self.stop_digests)
        return self._digests

    async def stop_digests(self) -> None:
        """Stop firing digests (idempotent); the store stays open for whoever still needs it.

        A start-up still recovering or catching up is cancelled *and awaited*:
        its database work unwinds while the store is open, instead of racing
        the store's close (a stop signal right after connecting hung there).
        """
        if self._digest_start is not None:
            self._digest_start.cancel()
            await asyncio.gather(self._digest_start, return_exceptions=True)
        if self._digests is not None:
            await self._digests.stop()

    # --- the cluster ---

    async def reload_everywhere(self) -> list[tuple[str, str]]:
        """Reload the archive in every process of the cluster: (process, how it went) each."""
        if self._bus is None:
            return [(self.identity, await self.reload_here())]
        return await self._bus.reload_everywhere()

    async def reload_here(self) -> str:
        """Reload this process's archive; one line on how it went (on failure the old one stays)."""
        started = time.perf_counter()
        try:
            loaded = await self.archive.reload()
        except ReloadError as error:  # the archive's fault, not the bot's: no traceback
            log.warning("Archive reload failed; keeping the previous archive: %s", error)
            self.metrics.reloads.labels("failed").inc()
            return f"Reload failed, still serving the previous archive: {error}"
        except Exception as error:
            log.exception("Archive reload failed; keeping the previous archive")
            self.metrics.reloads.labels("failed").inc()
            return f"Reload failed, still serving the previous archive: {error}"
        self.metrics.reloads.labels("ok").inc()
        self.metrics.index_seconds.set(time.perf_counter() - started)
        if self._store is not None:  # inside ``async with``, which stops it on the way out
            self.merge_in_background()
        summary = f"Reloaded the archive: {len(loaded.index.articles):,} articles"
        if loaded.update:  # only its changes were read
            summary += f" ({loaded.update})"
        if loaded.problems:
            summary += f", {len(loaded.problems)} problem(s) skipped (see the log)"
        return summary + "."

    def merge_in_background(self) -> asyncio.Task[None]:
        """Merge the index's segments as ``search.merge_*`` ask, while queries go on.

        Each update adds a segment (and deletes articles in older ones); left
        alone, searches would cross ever more segments. The merge is built in a
        child process (``bot.search.offload``) and swapped in through the
        holder, so no query waits for it; one runs at a time. Processes sharing
        a cache merge once: the first takes the cache's merge lock, the others
        then open what it saved (docs/index.md, "Merging"). A merge that fails
        is logged and the index served as it is.
        """
        if self._merging is None or self._merging.done():
            self._merging = asyncio.create_task(self._merge_while_needed())
        return self._merging

    async def _merge_while_needed(self) -> None:
        policy = MergePolicy.from_settings(self.settings.search)
        cache_dir = Path(self.settings.search.cache_dir)
        try:
            while await self.archive.merge(policy, cache_dir):
                segments = len(self.archive.current.index.segments)
                log.info("Merged index segments: %d left", segments)
        except Exception:
            log.exception("Merging index segments failed; searching the segments as they are")

    async def _stop_merging(self) -> None:
        if self._merging is not None:
            self._merging.cancel()
            with suppress(asyncio.CancelledError):
                await self._merging
            self._merging = None

    async def _reload_reported(self) -> str:
        return f"{await self.reload_here()} ({self.topology.describe()})"

    async def _subscription_changed(self, subscription_id: int, guild_id: int) -> None:
        """Announced by the store: the owning process rebuilds the job from the row."""
        if self._digests is not None and self.topology.owns(guild_id):
            await self._digests.reschedule(subscription_id)

    async def _reconcile(self) -> None:
        if self._digests is not None:
            await self._digests.rebuild()

    # --- what is open while the App is ---

    @property
    def store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the store is open only inside `async with app`")
        return self._store

    @property
    def digests(self) -> DigestScheduler:
        if self._digests is None:
            raise RuntimeError("digests are not started: call app.start_digests(poster)")
        return self._digests


def _log_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        log.error("Digest start-up failed; digests will not post", exc_info=error)
