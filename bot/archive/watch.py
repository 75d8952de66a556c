"""Reload the archive when its files change, so a running bot picks new articles up by itself.

``archive.watch`` (off by default) names a quiet period. watchfiles (a Rust
core: inotify on Linux, and polling where the system gives no notifications)
reports changes under the archive's paths; once the archive has gone a whole
quiet period without a change, one reload runs. So a burst of writes (a folder
copied in, a big file written in chunks) is one reload, never one per write,
and a file is not read half-written as long as its writer keeps writing. An
archive that never goes quiet (a feed appended to every few seconds) is still
reloaded, at the latest :data:`MAX_WAIT` quiet periods after its first change.

The reload itself is the caller's (the App passes the same per-process reload
that SIGHUP and ``/dateline reload`` run): a failed one keeps the previous
archive, and the watcher goes on watching. What it costs is the reload's: it
finds what changed and indexes only that.

On a network filesystem inotify sees nothing written by other machines: set
``WATCHFILES_FORCE_POLLING=1`` in the environment to poll instead.
"""

from __future__ import annotations

import asyncio
import glob
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from pathlib import Path

from watchfiles import Change, awatch

from bot.archive.loader import KNOWN_SUFFIXES

log = logging.getLogger(__name__)

MAX_WAIT = 10  # quiet periods: an archive that never settles is still reloaded this often
STEP_MS = 100  # how often the watching thread looks for news, and so how soon it stops
RECHECK_MS = 5_000  # how often, when nothing changes, to check the watched folders are the same


class ArchivePaths:
    """Which folders to watch for ``archive.paths``, and which changed paths are archive files.

    A folder is watched with everything under it, a glob from its folders
    before the first wildcard. A file is watched through its folder, so a file
    replaced by a rename (how careful writers write) is still seen, and a path
    that does not exist yet through its parent, so a folder created after
    start-up is picked up.
    """

    def __init__(self, paths: Sequence[str | Path], ignore: Sequence[Path] = ()) -> None:
        self.entries = [_fixed_part(Path(entry).absolute()) for entry in map(str, paths)]
        self.ignore = [Path(folder).absolute() for folder in ignore]  # the index cache

    def roots(self) -> list[Path]:
        """The existing folders to watch (recursively), none inside another."""
        found = {entry if entry.is_dir() else entry.parent for entry in self.entries}
        found = {root for root in found if root.is_dir()}
        return sorted(r for r in found if not any(o != r and r.is_relative_to(o) for o in found))

    def __call__(self, _change: Change, name: str) -> bool:
        """Whether a change to ``name`` can change the archive (watchfiles' filter)."""
        path = Path(name)
        if any(path.is_relative_to(folder) for folder in self.ignore):
            return False
        suffix = path.suffix.lower()
        if suffix and suffix not in KNOWN_SUFFIXES:  # a folder has none: created, moved, removed
            return False
        return any(path.is_relative_to(entry) for entry in self.entries)


def _identities(roots: Sequence[Path]) -> list[tuple[int, int] | None]:
    """Which folders the roots name now (device and inode, through symlinks)."""
    found: list[tuple[int, int] | None] = []
    for root in roots:
        try:
            stat = root.stat()
        except OSError:
            found.append(None)
        else:
            found.append((stat.st_dev, stat.st_ino))
    return found


def _fixed_part(path: Path) -> Path:
    """A glob's folders before its first wildcard (where its matches appear); else the path."""
    parts = path.parts
    for at, part in enumerate(parts):
        if glob.has_magic(part):
            return Path(*parts[:at])
    return path


class ArchiveWatcher:
    """Runs ``reload`` once the archive at ``paths`` has changed and then been quiet for ``quiet``.

    :meth:`start` begins watching in the background; :meth:`stop` ends it and
    waits for it (an App owns one: see ``App.start_watching``).
    """

    def __init__(
        self,
        paths: ArchivePaths,
        reload: Callable[[], Awaitable[object]],
        *,
        quiet: timedelta,
        missed: Callable[[], bool] | None = None,
        force_polling: bool | None = None,
    ) -> None:
        """``missed`` (blocking; run in a thread) says whether the archive changed between
        its loading and the start of watching: say a file written during a cold build."""
        self.paths = paths
        self.reload = reload
        self.missed = missed
        self.quiet = quiet.total_seconds()
        self.force_polling = force_polling  # None: watchfiles decides (WATCHFILES_FORCE_POLLING)
        # watchfiles' thread polls is_set(), a plain read, so an asyncio.Event serves.
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        roots = self.paths.roots()
        if not roots:
            log.warning("archive.watch: no folder of archive.paths exists yet; checking again")
        changes: asyncio.Queue[set[str] | None] = asyncio.Queue()
        self._tasks = [
            asyncio.create_task(self._listen(changes), name="archive-watch"),
            asyncio.create_task(self._reload_when_quiet(changes), name="archive-reload"),
        ]
        if roots:
            log.info(
                "Watching the archive in %s: reloading %g s after the last change",
                ", ".join(map(str, roots)),
                self.quiet,
            )

    async def stop(self) -> None:
        """Stop watching (idempotent); a reload under way is cancelled and awaited."""
        self._stopping.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def _listen(self, changes: asyncio.Queue[set[str] | None]) -> None:
        """Report changes under the archive's folders until stopped, watching afresh when one
        of them is replaced: a watch follows a folder, not its name, so a folder removed and
        made again, or a symlink pointed at another release, would otherwise go unseen."""
        try:
            while not self._stopping.is_set():
                if not (roots := self.paths.roots()):
                    await asyncio.sleep(RECHECK_MS / 1000)
                    continue
                await self._watch(roots, changes)
                if not self._stopping.is_set():
                    log.info("archive.watch: a watched folder was replaced; watching it afresh")
                    changes.put_nowait({"(a watched folder was replaced)"})
        except Exception as error:  # noqa: BLE001 - the bot serves on; SIGHUP still reloads
            log.error("archive.watch stopped watching: %s; reload with SIGHUP instead", error)
        finally:
            changes.put_nowait(None)

    async def _watch(self, roots: list[Path], changes: asyncio.Queue[set[str] | None]) -> None:
        """Until stopped (or a root is no longer the folder it was): each batch to ``changes``."""
        # watchfiles groups a burst into one batch for at most half a quiet period,
        # so batches keep coming while files are being written and the quiet
        # timer below never runs out in the middle of a write.
        half = max(int(self.quiet * 500), STEP_MS)
        watched = _identities(roots)
        async for batch in awatch(
            *roots,
            watch_filter=self.paths,
            debounce=half,
            step=STEP_MS,
            stop_event=self._stopping,
            rust_timeout=RECHECK_MS,
            yield_on_timeout=True,
            force_polling=self.force_polling,
            poll_delay_ms=half,
        ):
            if batch:
                changes.put_nowait({name for _change, name in batch})
            if self.paths.roots() != roots or _identities(roots) != watched:
                return

    async def _reload_when_quiet(self, changes: asyncio.Queue[set[str] | None]) -> None:
        # The listening task ran first, and watchfiles sets its watches up before its
        # first wait: from here on every change is reported, so this check misses none.
        if self.missed is not None and await asyncio.to_thread(self.missed):
            changes.put_nowait({"(changed while loading)"})
        while (first := await changes.get()) is not None:
            changed, watching = set(first), True
            loop = asyncio.get_running_loop()
            latest = loop.time() + self.quiet * MAX_WAIT
            while watching and (left := latest - loop.time()) > 0:
                try:
                    async with asyncio.timeout(min(self.quiet, left)):
                        more = await changes.get()
                except TimeoutError:
                    break  # quiet for a whole period: the archive has settled
                if more is None:
                    watching = False
                else:
                    changed |= more
            log.info("The archive changed (%d path(s)); reloading", len(changed))
            try:
                await self.reload()  # the App's logs how it went; a failure keeps the old one
            except Exception as error:  # noqa: BLE001 - one line; the watcher watches on
                log.error("Archive reload after a change failed: %s", error)
            if not watching:
                return
