"""Where a merge runs: in a child process that reads and writes the cache folder.

A merge is minutes of CPU at a million articles (``bot.search.merge.merge``).
In a thread of the serving process it would hold the interpreter lock all that
time, and every query meanwhile would wait its turn (measured: p99 12x). So a
serving process with a cache hands the work to a child (``spawn``: the bot
runs threads and an event loop, which ``fork`` would copy half-made): the
child opens the source segments from the cache folder, where they are saved
(memory-mapped arrays and a file of bodies), merges them with
:func:`bot.search.merge.merge`, writes the new segment into the folder and
answers with its name. The parent then opens that folder (its arrays and article
table memory-mapped: nothing is made per article) and swaps the merge in with
:func:`bot.search.merge.apply`.

Crash safety is the cache's: the child writes its folder under the builder
lock and under a temporary name, and only the parent names it in a manifest,
so a kill -9 of either at any moment leaves the old manifest or the new one;
a folder no manifest names is swept at the next save. A child that fails or
dies raises :class:`MergeFailed` in the parent, which keeps serving.

Processes sharing a cache merge once: :func:`adopted` finds a segment the
cache already holds that was merged from the same segments (its
``merged.json``), and the holder opens it instead of merging again.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
import time
import traceback
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from bot.search import cache
from bot.search import merge as merging
from bot.search.index import SearchIndex
from bot.search.merge import Merge

log = logging.getLogger(__name__)

CHILD_NICENESS = 10  # added to the merging child's niceness (lower CPU priority)
PARENT_CHECK = 1.0  # seconds between a child's checks that its parent still lives


class MergeFailed(Exception):
    """The child merging segments failed or died; the index stays as it was."""


def merge_saved(
    folder: Path, sources: Sequence[tuple[str, str | None]], deleted: Sequence[np.ndarray | None]
) -> str:
    """(In the child.) Merge the saved segments ``sources`` of ``folder`` into a new one there.

    ``sources`` are (name, deleted-set file) as a manifest names them, and
    ``deleted`` the deleted sets themselves (the parent's, which its manifest
    may not hold). Returns the new segment's folder name.
    """
    segments = [cache.read_segment(folder / name) for name, _ in sources]
    staging = cache.merging_folder(folder)  # spared by saves' sweeps while this process lives
    done = merging.merge(SearchIndex(segments, deleted=deleted), 0, len(segments), staging)
    with cache.builder_lock(folder.parent):  # no save sweeps the folder while it is renamed
        cache.write_merged(done.segment, folder, sources, staging)
    return done.segment.name


async def in_child(index: SearchIndex, first: int, stop: int, cache_dir: Path) -> Merge:
    """``merging.merge(index, first, stop)`` done by a child process from the cache folder.

    The source segments must be saved in the cache folder (see :func:`saved`).
    Cancelling kills the child.
    """
    folder = cache.folder_for(cache_dir)
    sources = cache.entries(index)[first:stop]
    deleted = index.deleted[first:stop]
    started = time.perf_counter()
    name = await run_in_child(merge_saved, folder, sources, deleted)
    merged = time.perf_counter()
    done = await asyncio.to_thread(opened, index, first, stop, folder / name)
    log.info(
        "Merged %d segments in a child process in %.1f s; opened the result in %.2f s",
        stop - first,
        merged - started,
        time.perf_counter() - merged,
    )
    return done


def saved(index: SearchIndex, first: int, stop: int, cache_dir: Path) -> bool:
    """Whether the segments ``first:stop`` of ``index`` are in the cache folder for a child."""
    folder = cache.folder_for(cache_dir)
    return all((folder / s.name / "meta.json").is_file() for s in index.segments[first:stop])


def adopted(index: SearchIndex, cache_dir: Path) -> Merge | None:
    """A merge of some of ``index``'s segments that the cache's manifest already holds.

    Another process sharing the cache merged the same segments (same names,
    same deleted sets) and saved the result: it is opened instead of merged again.
    """
    folder = cache.folder_for(cache_dir)
    mine = cache.entries(index)
    for name in cache.manifest_segments(folder):
        sources = cache.merged_from(folder / name)
        if not sources or name in {n for n, _ in mine}:
            continue
        for first in range(len(mine) - len(sources) + 1):
            if mine[first : first + len(sources)] == sources:
                log.info("Adopting segment %s, merged by another process", name)
                return opened(index, first, first + len(sources), folder / name)
    return None


def opened(index: SearchIndex, first: int, stop: int, segment_folder: Path) -> Merge:
    """The merge of ``index.segments[first:stop]`` saved in ``segment_folder``, opened.

    Its arrays and article table are memory-mapped, so opening it makes
    nothing per article.
    """
    sources = index.segments[first:stop]
    segment = cache.read_segment(segment_folder)
    return Merge(segment, tuple(sources), tuple(index.deleted[first:stop]))


async def run_in_child(function: Any, *args: Any) -> Any:
    """``function(*args)`` in a spawned child process; its result, or :class:`MergeFailed`.

    ``function`` must be importable (the child imports it by name). A child
    that raises, or dies without answering (killed, out of memory), raises
    :class:`MergeFailed` here. Cancelling kills the child.
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    # Not a daemon: the merge forks a helper of its own (bot.search.postings), which a
    # daemon may not. Cancelling kills it; so does the App's shutdown, which cancels.
    child = context.Process(
        target=_child, args=(send, os.getpid(), function, args), name="dateline-merge"
    )
    child.start()
    send.close()  # the child holds the only sending end: its death ends the pipe
    try:
        return await asyncio.to_thread(_answer, receive, child)
    except asyncio.CancelledError:
        child.kill()
        raise
    finally:
        receive.close()


def _answer(receive: Connection, child: Any) -> Any:
    try:
        outcome, value = receive.recv()
    except EOFError:
        child.join()
        raise MergeFailed(
            f"the merging process {child.pid} died (exit code {child.exitcode})"
        ) from None
    child.join()
    if outcome != "ok":
        raise MergeFailed(f"the merging process {child.pid} failed:\n{value}")
    return value


def _child(send: Connection, parent: int, function: Any, args: tuple[Any, ...]) -> None:
    os.nice(CHILD_NICENESS)  # background work: the serving process comes first for the CPU
    threading.Thread(target=_end_with, args=(parent,), daemon=True).start()
    try:
        answer = ("ok", function(*args))
    except Exception:  # noqa: BLE001 - reported to the parent, which logs it
        answer = ("error", traceback.format_exc())
    send.send(answer)
    send.close()


def _end_with(parent: int) -> None:
    """(A thread of the child.) End the child, and what it forked, once ``parent`` is gone.

    A parent killed with -9 cannot kill its child, which would go on merging
    for nobody, holding memory and CPU, and keep the cache's staging folder
    from being swept. An orphan is handed to another parent, so a changed
    parent pid is the sign (portable, unlike Linux's ``PR_SET_PDEATHSIG``).
    """
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK)
    for helper in multiprocessing.active_children():  # the postings' forked counter
        helper.kill()
    os._exit(1)


@asynccontextmanager
async def one_merger(cache_dir: Path) -> AsyncIterator[None]:
    """Hold the cache's merge lock (``cache.merge_lock``) while this process merges.

    It is waited for in short attempts, each in a worker thread, so that a
    process cancelled while another merges (shutting down) is not held up by
    a thread still waiting; an attempt that succeeds after the cancel lets go.
    """
    lock = cache.lock_file(cache_dir, cache.MERGE_LOCK)
    while not await _attempt(lock):
        pass
    try:
        yield
    finally:
        lock.release()


LOCK_ATTEMPT = 0.25  # seconds a worker thread waits for the merge lock at a time


async def _attempt(lock: FileLock) -> bool:
    attempt = asyncio.ensure_future(asyncio.to_thread(_acquired, lock))
    try:
        return await asyncio.shield(attempt)
    except asyncio.CancelledError:
        attempt.add_done_callback(partial(_let_go, lock))
        raise


def _acquired(lock: FileLock) -> bool:
    try:
        lock.acquire(timeout=LOCK_ATTEMPT)
    except Timeout:
        return False
    return True


def _let_go(lock: FileLock, attempt: asyncio.Future[bool]) -> None:
    if not attempt.cancelled() and attempt.exception() is None and attempt.result():
        lock.release()
