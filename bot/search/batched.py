"""A cold build in bounded memory: batches counted while the archive is still being read.

Indexing a whole archive at once holds every posting several times over (the
counting processes' term lists, then the assembled arrays): 4.6 GB at 10^6
articles. Here the articles are indexed ``BATCH_ARTICLES`` at a time, each
batch's postings written to the cache folder as soon as they are made and
dropped from memory, and the batches are then merged on disk into one segment
(:mod:`bot.search.joining`: block by block, output written as it is made).
What the build holds at its peak is one batch's indexing, not the archive's;
what still grows with the archive is one small record per article (see
docs/index.md, "A cold build").

Reading the archive is one process's work (its order decides which copy of a
duplicate is kept); the rest is done by forked children, at most one per core
and at a lower priority than the loader. Each batch is counted as soon as the
loader has read it, while the loader reads on; once reading ends, the
re-filing chains are drawn in one share per core while this process merges
the batches and writes the segment. Forked, because a child then sees the
loaded articles without their being pickled; their bodies it reads from the
spool file the loader writes (``pread``: see :mod:`bot.archive.bodies`).

The merged segment is array for array what one build of all the articles
makes, so ranking is exactly a single build's. One segment rather than the
batches themselves, because a query visits every segment (see
docs/benchmarks.md for the measurements behind both choices).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from pathlib import Path

import numpy as np

from bot.archive import Article, Problem
from bot.search import cache
from bot.search.index import story_links
from bot.search.joining import Source, merge_postings
from bot.search.postings import build_postings
from bot.search.segment import Segment
from bot.search.stories import chain_links

log = logging.getLogger(__name__)

BATCH_ARTICLES = 100_000  # see docs/benchmarks.md, "A cold build in batches"
FORK_FROM = 20_000  # articles; below this, a child process costs more than it saves
CHECK_EVERY = 1_000  # articles read between looks at which children have ended
CHILD_NICENESS = 10  # added to the children's niceness: see _niced
# Children at once, whatever the cores: each holds one batch's counting (a few
# hundred MB at 100,000 articles), so a machine of many cores would trade its
# memory for the last few seconds of a build.
MAX_CHILDREN = 4


class BuildFailed(OSError):
    """A process of the build died or failed; the cache folder is left as it was."""


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class ColdBuild:
    """One cold build into a cache folder, its batches counted as the archive is read.

    Hand :meth:`loaded` to the loader (``load_archive(..., loaded=build.loaded)``),
    then call :meth:`finish` with what it loaded; use it as a context manager,
    which ends any child process still running and removes the scratch folders.
    Hold :func:`bot.search.cache.builder_lock` meanwhile.

    At most one child per core (``MAX_CHILDREN`` at most) runs at a time; the
    others wait their turn in a queue. The loader never waits for them: it
    reads on, at a higher priority, and the children work through what it has
    read.
    """

    def __init__(self, folder: Path, *, batch: int | None = None) -> None:
        self.folder = folder
        self.size = batch or BATCH_ARTICLES
        self.started = time.perf_counter()
        self.staging = cache.staging_folder(folder)  # the segment's folder, until it is whole
        self.scratch = cache.staging_folder(folder)  # the batches' postings, until merged
        self.batches: list[tuple[int, int]] = []  # the articles each batch counts, in order
        self._queue: deque[_Job] = deque()
        self._running: dict[int, tuple[BaseProcess, _Job]] = {}  # by the child's sentinel
        self._context = multiprocessing.get_context("fork")
        self._cores = min(cores(), MAX_CHILDREN)

    def __enter__(self) -> ColdBuild:
        return self

    def __exit__(self, *exc: object) -> None:
        for child, _ in self._running.values():
            child.kill()
            child.join()
        shutil.rmtree(self.scratch, ignore_errors=True)
        shutil.rmtree(self.staging, ignore_errors=True)

    def loaded(self, articles: Sequence[Article]) -> None:
        """The loader has appended an article to ``articles``: count a batch once it is whole."""
        counted = self.batches[-1][1] if self.batches else 0
        if len(articles) - counted >= self.size and len(articles) >= FORK_FROM:
            self._count(articles, counted, counted + self.size)
            self._run(until=lambda: True)  # start it if a core is free; never wait
        elif self._queue and len(articles) % CHECK_EVERY == 0:
            self._run(until=lambda: True)  # start what waits if a child has ended

    def finish(
        self,
        articles: Sequence[Article],
        files: Sequence[str | None],
        aliases: Mapping[str, str],
        twins: Mapping[str, str],
        problems: Sequence[Problem],
        *,
        key: str,
        provenance: str | None = None,
    ) -> None:
        """Index the rest of ``articles`` and write the segment and manifest into the folder.

        ``articles`` are every article :meth:`loaded` was shown, in order;
        ``files`` names each one's archive file; ``aliases``, ``twins`` and
        ``problems`` are as the loader reports them; ``key`` and
        ``provenance`` are saved in the manifest (:func:`bot.search.cache.save`).
        Raises ``OSError`` when the folder cannot be written or a child fails.
        """
        counted = self.batches[-1][1] if self.batches else 0
        shares = [self.scratch / f"chains-{k}.npy" for k in range(self._cores)]
        rest = len(articles) - counted
        if not self.batches and rest <= self.size and rest < FORK_FROM:  # small: no child
            postings = cache.write_postings(build_postings(articles), self.staging)
            shares = []
        else:
            # What is left is shared among the cores; counted here, its memory would
            # stay with this process (a bot serving the index) long after the build.
            step = self.size if rest < FORK_FROM else min(self.size, -(-rest // self._cores))
            for lo in range(counted, len(articles), step):
                self._count(articles, lo, min(lo + step, len(articles)))
            if len(articles) >= FORK_FROM:  # after the counting, which the merge waits for
                for k, path in enumerate(shares):
                    what = f"share {k + 1} of {len(shares)} of the story chains"
                    job = _Job(_write_chains, (articles, k, len(shares), path), what)
                    self._queue.append(job)
            else:
                shares = []
            self._run(until=lambda: not any(job.counts for job in self._jobs()))
            folders = [self.scratch / str(n) for n in range(len(self.batches))]
            parts = [Source(cache.read_postings(folder)) for folder in folders]
            postings = merge_postings(parts, self.staging)
            del parts
        segment = Segment.of_postings(articles, postings, files)
        cache.write_segment(segment, self.folder, self.staging)
        self._run(until=lambda: not self._queue and not self._running)
        chains = np.concatenate([np.load(path) for path in shares]) if shares else None
        links = story_links(articles, twins, chains)
        parts_of = cache.Parts([segment], [None], links, aliases)
        cache.save_parts(parts_of, problems, self.folder, key, provenance)
        log.info(
            "Indexed %d articles in %d batch(es) (%d terms) in %.1f s",
            len(articles),
            max(len(self.batches), 1),
            len(segment.postings.terms),
            time.perf_counter() - self.started,
        )

    def _count(self, articles: Sequence[Article], lo: int, hi: int) -> None:
        """Queue ``articles[lo:hi]`` to be counted by a child."""
        part = self.scratch / str(len(self.batches))
        part.mkdir()
        self.batches.append((lo, hi))
        self._queue.append(
            _Job(_write_batch, (articles, lo, hi, part), f"articles {lo:,} to {hi:,}", counts=True)
        )

    def _jobs(self) -> list[_Job]:
        return [*self._queue, *(job for _, job in self._running.values())]

    def _run(self, until: Callable[[], bool]) -> None:
        """Start queued jobs as cores free up, collecting the children that end, until ``until()``.

        With an ``until`` that is already true, only collects the children that
        have ended and starts what can start: it never waits.
        """
        while True:
            self._start_queued()
            if not self._running:
                return
            for sentinel in wait(list(self._running), timeout=0 if until() else None):
                child, job = self._running.pop(sentinel)  # type: ignore[arg-type]
                child.join()
                if child.exitcode != 0:
                    raise BuildFailed(f"indexing {job.what} failed (exit code {child.exitcode})")
                log.info("Indexed %s", job.what)
            if until():
                self._start_queued()
                return

    def _start_queued(self) -> None:
        while self._queue and len(self._running) < self._cores:
            job = self._queue.popleft()
            if job.counts:
                log.info("Counting %s", job.what)
            child = self._context.Process(target=_niced, args=(job.target, *job.args))
            child.start()
            self._running[child.sentinel] = (child, job)


@dataclass(frozen=True)
class _Job:
    """Work for a forked child: ``target(*args)``; ``what`` names it in logs and errors."""

    target: Callable[..., None]
    args: tuple
    what: str
    counts: bool = False  # a batch's counting, which the merge waits for


def _niced(target: Callable[..., None], *args: object) -> None:
    """(In a forked child.) ``target(*args)`` at a lower priority than the parent's.

    The parent's work is the build's critical path: the loader, which every
    batch waits for, then the merge, which waits for every batch. Children
    that share its core would slow it as much as they advance themselves.
    """
    os.nice(CHILD_NICENESS)
    target(*args)


def _write_batch(articles: Sequence[Article], lo: int, hi: int, part: Path) -> None:
    """(In a forked child.) Count ``articles[lo:hi]`` and write their postings to ``part``."""
    postings = build_postings(articles[lo:hi], parallel=False)
    cache.write_postings(postings, part)
    cache.write_terms(postings, part)


def _write_chains(articles: Sequence[Article], share: int, shares: int, path: Path) -> None:
    """(In a forked child.) Draw share ``share`` of ``shares`` of the chains into ``path``.

    Written under another name and renamed, so ``path`` is whole or absent.
    """
    chains = np.asarray(chain_links(articles, share=(share, shares)), np.int32).reshape(-1, 2)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npy", delete=False) as out:
        np.save(out, chains)
    Path(out.name).rename(path)
