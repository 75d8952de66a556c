"""Merges run in a child process over the cached segments; processes sharing a cache merge once."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import random
import subprocess
import sys
import time
from itertools import pairwise
from pathlib import Path

import pytest

from bot.search import cache, offload
from bot.search import merge as merging
from bot.search.index import SearchIndex
from bot.search.merge import MergePolicy
from bot.search.segment import Segment
from bot.snapshot import ArchiveHolder, ArchiveSnapshot
from tests.search.archives import WORDS, answers, archive, twins_of

POLICY = MergePolicy(factor=3, deleted_share=0.5, floor=10)


def saved_index(folder: Path) -> SearchIndex:
    """A random archive of 60 articles in five segments (40, then four of 5), some deleted,
    saved to ``folder`` and opened from it."""
    rng = random.Random(11)
    titles = [rng.choices(WORDS, k=rng.randint(1, 4)) for _ in range(60)]
    bodies = [rng.choices(WORDS, k=rng.randint(0, 10)) for _ in range(60)]
    articles = archive(titles, bodies, [rng.random() < 0.3 for _ in range(60)])
    twins = twins_of(articles)
    index = SearchIndex.build(articles[:40], twins=twins)
    for lo, hi in pairwise([40, 45, 50, 55, 60]):
        index = index.with_segment(articles[lo:hi], twins=twins)
    index = index.without(["a3", "a41", "a42", "a57"])
    cache.save(index, [], cache.folder_for(folder), "key")
    loaded, _ = cache.load(cache.folder_for(folder))  # as a process serving the cache holds it
    return loaded


def holder_of(index: SearchIndex) -> ArchiveHolder:
    return ArchiveHolder(ArchiveSnapshot.of(index), lambda _: ArchiveSnapshot.of(index))


async def test_a_merge_in_a_child_answers_as_the_merge_in_this_process(tmp_path):
    index = saved_index(tmp_path)
    done = await offload.in_child(index, 1, 5, tmp_path)
    in_child = merging.apply(index, done)
    here = merging.apply(index, merging.merge(index, 1, 5))
    assert in_child is not None and here is not None
    assert [len(s) for s in in_child.segments] == [40, 17]
    assert answers(in_child) == answers(here)  # ranked ids and scores, versions, everything
    folder = cache.folder_for(tmp_path) / done.segment.name
    assert cache.merged_from(folder) == cache.entries(index)[1:5]
    record = (folder / cache.MERGED).read_text()
    assert f'"pid":{os.getpid()}' not in record  # another process did the work
    assert [a.body for a in done.segment.articles] == [a.body for a in here.segments[1].articles]


async def test_the_serving_process_never_indexes_a_merge(tmp_path, monkeypatch):
    index = saved_index(tmp_path)

    def refused(*_args, **_kwargs):
        raise AssertionError("the serving process indexed articles")

    monkeypatch.setattr(merging, "merge", refused)  # in this process only: the child has its own
    monkeypatch.setattr(Segment, "build", refused)
    holder = holder_of(index)
    while await holder.merge(POLICY, tmp_path):
        pass
    assert [len(s) for s in holder.current.index.segments] == [40, 17]
    saved, _ = cache.load(cache.folder_for(tmp_path))
    assert [s.name for s in saved.segments] == [s.name for s in holder.current.index.segments]
    assert answers(saved) == answers(holder.current.index)


async def test_a_killed_child_leaves_the_cache_loadable_and_the_holder_serving(tmp_path):
    index = saved_index(tmp_path)
    holder = holder_of(index)
    before = answers(index)
    merging_task = asyncio.create_task(holder.merge(POLICY, tmp_path))
    while not multiprocessing.active_children():
        await asyncio.sleep(0.01)
    (child,) = multiprocessing.active_children()
    await asyncio.sleep(random.Random(2).uniform(0, 1.5))  # starting, merging or writing
    child.kill()
    try:
        await merging_task
    except offload.MergeFailed as failed:
        assert "died" in str(failed)
        assert holder.current.index is index  # serving on, unchanged
    saved, _ = cache.load(cache.folder_for(tmp_path))
    assert answers(saved) == before or answers(saved) == answers(holder.current.index)
    while await holder.merge(POLICY, tmp_path):  # the next merge goes through and sweeps
        pass
    saved, _ = cache.load(cache.folder_for(tmp_path))
    assert len(saved.segments) == 2
    folder = cache.folder_for(tmp_path)
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


async def test_a_failing_child_is_reported_and_nothing_changes(tmp_path):
    index = saved_index(tmp_path)
    holder = holder_of(index)
    span = POLICY.plan(index)
    assert span is not None
    broken = cache.folder_for(tmp_path) / index.segments[span[0]].name / "terms.txt"
    broken.unlink()  # the child cannot open it
    with pytest.raises(offload.MergeFailed, match=r"terms\.txt"):
        await holder.merge(POLICY, tmp_path)
    assert holder.current.index is index
    names = [s.name for s in index.segments]
    assert cache.manifest_segments(cache.folder_for(tmp_path)) == names  # not saved


async def test_processes_sharing_a_cache_merge_once_and_adopt_the_merge(tmp_path, monkeypatch):
    first = holder_of(saved_index(tmp_path))
    second = holder_of(cache.load(cache.folder_for(tmp_path))[0])  # another process's copy
    children = []
    run = offload.run_in_child

    async def counted(*args):
        children.append(args)
        return await run(*args)

    monkeypatch.setattr(offload, "run_in_child", counted)
    # Both start together: one takes the merge lock and merges, the other waits, then adopts.
    assert await asyncio.gather(first.merge(POLICY, tmp_path), second.merge(POLICY, tmp_path))
    assert len(children) == 1
    mine, theirs = first.current.index, second.current.index
    assert [s.name for s in mine.segments] == [s.name for s in theirs.segments]
    assert mine.segments[1] is not theirs.segments[1]  # each opened it itself
    assert answers(mine) == answers(theirs)
    saved, _ = cache.load(cache.folder_for(tmp_path))
    assert [s.name for s in saved.segments] == [s.name for s in mine.segments]


def test_a_save_spares_the_staging_folder_of_a_merge_under_way(tmp_path):
    index = saved_index(tmp_path)
    folder = cache.folder_for(tmp_path)
    running = cache.merging_folder(folder)  # this process's: it runs
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    crashed = folder / f".merging-{gone.stdout.strip()}-left"  # a merge whose process died
    crashed.mkdir()
    cache.save(index.without(["a7"]), [], folder)
    assert running.is_dir()
    assert not crashed.exists()


def test_a_merging_child_ends_when_its_parent_is_killed():
    """kill -9 of the serving process leaves no merge running for nobody."""
    parent = subprocess.Popen(  # a process with a merge under way, of a minute's sleep
        [
            sys.executable,
            "-c",
            "import asyncio, time\n"
            "from bot.search import offload\n"
            "asyncio.run(offload.run_in_child(time.sleep, 60))",
        ]
    )
    try:
        child = _wait_for(lambda: _children_of(parent.pid), "the merging child to start")[0]
    finally:
        parent.kill()
        parent.wait()
    _wait_for(lambda: not _running(child), f"the orphaned child {child} to end")


def _wait_for(condition, what, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not (found := condition()):
        if time.monotonic() > deadline:
            pytest.fail(f"waited {timeout:g} s for {what}")
        time.sleep(0.1)
    return found


def _stat(pid: int) -> list[str] | None:
    """/proc/PID/stat's fields after the command name (state first, then ppid); None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    return text.rsplit(")", 1)[1].split()


def _children_of(pid: int) -> list[int]:
    pids = (int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit())
    return [p for p in pids if (fields := _stat(p)) is not None and fields[1] == str(pid)]


def _running(pid: int) -> bool:
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"  # a zombie has ended; nobody reaped it yet
