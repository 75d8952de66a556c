"""An archive that grows: cold build, a new file of 1,000 articles, archive.watch; tantivy beside.

One run at a size given on the command line (default 105,000 articles, made from
the Reuters corpus as ``bench/replicate_corpus.py`` does: copies with suffixed ids
and an "Edition N." preface), every step a child process: its wall time, and its
peak RSS as the kernel counts it for its own memory (``VmHWM``; ``wait4``'s
``ru_maxrss`` would count the bench's own memory too, which a child inherits at exec):

* cold build: ``dateline index --rebuild``, and tantivy (``bench/search_bench.py``'s
  tantivy-fuzzy) loading and indexing the same files in the same run;
* a warm load (``dateline index`` with nothing changed): the loaded index's RSS;
* 1,000 articles added as a new file, then ``dateline index`` until they are
  searchable (a probe article among them is then found by a query);
* ``archive.watch`` = PT1S in a running ``dateline run`` against the loopback fake
  Discord (``tests/fake_discord``): from another new file's appearance (renamed into
  the archive folder) to the first ``/search`` that finds its probe, and the bot's
  peak RSS during that step above what it held before (the step's own peak: the
  high-water mark is reset as the step begins, so the start-up's does not count);
* dev-query p99 on the grown index, and while all its segments are merged into one
  as the bot merges (in a child process, then swapped in);
* top-10 of every dev query on the index grown by both additions against a full
  rebuild of the same files.

    python bench/growth_bench.py                     # 105k articles, a few minutes
    python bench/growth_bench.py --articles 1000000  # the goals' size
    python bench/growth_bench.py --articles 1000000 --only cold  # the cold build alone
    python bench/growth_bench.py --articles 1000000 --work W --reuse  # the rest, from W

Goals (issue "An archive that grows", at 1M): searchable <= 5 s after adding the
file (either way), that step's peak RSS <= 300 MB above the loaded index's, p99
during a merge <= 2x without, identical top-10 for every dev query, cold build
peak RSS <= 1.5 GB and wall time no worse than before batching (2 min 18 s for
``dateline index`` at 1,009,990 articles); tantivy's is shown beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "reuters-2006-2013.jsonl"
DEFAULT_QUERIES = ROOT.parent / "shared" / "queries" / "dev.jsonl"
ADDED = 1_000
WATCH = "PT1S"
PROBES = {"added": "Zorblatt", "watched": "Quexnorvy"}  # words no Reuters article has


# --- the archive ---


def write_articles(path: Path, lines: list[str], start: int, count: int, probe: str = "") -> None:
    """Articles ``start`` to ``start + count`` of the replicated corpus; the last a probe."""
    with path.open("w", encoding="utf-8") as out:
        for k in range(start, start + count):
            copy, record = k // len(lines), json.loads(lines[k % len(lines)])
            record["id"] = f"{record['id']}-{copy}"
            record["body"] = f"Edition {copy}. {record['body']}"
            if probe and k == start + count - 1:
                record |= {"id": f"probe-{probe}", "title": f"{probe} festival opens downtown"}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


# --- children: each measured on its own ---


def child(*args: str, env: dict[str, str] | None = None) -> dict:
    """Run this script's child mode ``args``: what it printed last (JSON), its wall time."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, *args], capture_output=True, text=True, env=env, check=False
    )
    wall = time.perf_counter() - began
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"{args[:2]}: exit {done.returncode}")
    *said, last = done.stdout.strip().splitlines()
    return {**json.loads(last), "wall_s": wall, "said": said[-1] if said else ""}


def dateline_index(archive: Path, cache: Path, *flags: str) -> dict:
    """``dateline index`` in a child of its own, as an operator runs it."""
    env = {**os.environ, "DATELINE_SEARCH__CACHE_DIR": str(cache)}
    return child("--cli", "index", "--archive", str(archive), *flags, env=env)


def peak_mb() -> float:
    """This process's peak RSS (its own memory since exec)."""
    return vm(os.getpid(), "VmHWM")


def tantivy_build(archive: str) -> dict:
    """tantivy-fuzzy as bench/search_bench.py builds it, from reading the files on."""
    from search_bench import build_tantivy

    from bot.archive import load_archive

    began = time.perf_counter()
    report = load_archive([Path(archive)], UTC, progress=False)
    loaded = time.perf_counter()
    build_tantivy(report.articles, report.twins)
    return {"load_s": loaded - began, "build_s": time.perf_counter() - loaded, "peak_mb": peak_mb()}


def compare(archive: str, grown: str, rebuilt: str, queries: str) -> dict:
    """Top-10 of every dev query, grown index against rebuilt; query times on the grown one."""
    import numpy as np

    from bot.snapshot import open_snapshot

    dev = [json.loads(line)["query"] for line in Path(queries).read_text().splitlines() if line]
    first = open_snapshot([archive], UTC, Path(grown), progress=False)
    second = open_snapshot([archive], UTC, Path(rebuilt), progress=False)
    same, times = 0, []
    found = {
        word: [hit.article.id for hit in first.index.search(word.lower(), limit=1)]
        == [f"probe-{word}"]
        for word in PROBES.values()
    }
    for query in dev:
        began = time.perf_counter()
        ours = [hit.article.id for hit in first.index.search(query, limit=10)]
        times.append((time.perf_counter() - began) * 1000)
        same += ours == [hit.article.id for hit in second.index.search(query, limit=10)]
    merging = during_merge(first, Path(grown), dev)
    return {
        "queries": len(dev),
        "same": same,
        "p99_ms": float(np.percentile(times, 99)),
        "merge": merging,
        "probes_found": found,
        "from_cache": [first.from_cache, second.from_cache],
        "articles": len(first.index.articles),
        "peak_mb": peak_mb(),
    }


def during_merge(snapshot, cache: Path, dev: list[str]) -> dict:
    """Dev-query p99 while every segment is merged into one, as the bot merges.

    ``ArchiveHolder.merge`` runs in a thread with its own event loop, as in the
    bot: the merge in a child process over the cached segments, then the swap
    (opening the new segment, the new index, saving the manifest) in this one.
    Queries cycle through the dev set with the limit alternating between 10 and
    11, so no answer comes from the recent-search cache (1,200 keys through
    1,024 places, in order: each is gone before it comes back).
    """
    import threading

    import numpy as np

    from bot.search import offload
    from bot.search.merge import MergePolicy
    from bot.snapshot import ArchiveHolder

    index = snapshot.index
    holder = ArchiveHolder(snapshot, lambda current: current)
    everything = MergePolicy(factor=len(index.segments), floor=10**12)  # one tier: all of them
    done = threading.Event()
    result: dict = {}
    in_child = offload.run_in_child

    async def noted(*args):  # when the child answered: the swap in this process begins
        answer = await in_child(*args)
        result["swap_from"] = time.perf_counter()
        return answer

    offload.run_in_child = noted

    def merge_all() -> None:
        began = time.perf_counter()
        result["merged"] = asyncio.run(holder.merge(everything, cache))
        result["merge_s"] = time.perf_counter() - began
        done.set()

    worker = threading.Thread(target=merge_all)
    times, starts = [], []
    worker.start()
    for n, query in enumerate(itertools.cycle(dev)):
        if done.is_set():
            break
        began = time.perf_counter()
        index.search(query, limit=10 + (n // len(dev)) % 2)
        times.append((time.perf_counter() - began) * 1000)
        starts.append(began)
    worker.join()
    offload.run_in_child = in_child
    assert result["merged"] and len(holder.current.index.segments) == 1, result
    swap = [t for t, start in zip(times, starts, strict=True) if start >= result["swap_from"]]
    return {
        "segments": len(index.segments),
        "queries": len(times),
        "p99_ms": float(np.percentile(times, 99)) if times else float("nan"),
        "swap_queries": len(swap),
        "swap_p99_ms": float(np.percentile(swap, 99)) if swap else float("nan"),
        "swap_s": time.perf_counter() - result["swap_from"],
        **result,
    }


# --- archive.watch in a running bot ---


def vm(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak(pid: int) -> None:
    """Reset ``pid``'s ``VmHWM`` to its current RSS (Linux >= 4.0; the process's owner or root).

    ``VmHWM`` is the peak since exec: a bot's start-up (opening the index, the
    calendar, imports) peaks above what it then holds, and would be read as the
    reload's peak.
    """
    Path(f"/proc/{pid}/clear_refs").write_text("5")


async def watched(archive: Path, cache: Path, work: Path, lines: list[str], start: int) -> dict:
    """Seconds from a new file's appearance to the first /search that finds it, and RSS:
    the bot's before the file appears, and its peak from then on (:func:`reset_peak`)."""
    from tests.fake_discord import FakeDiscord
    from tests.fake_discord.process import eventually, start_bot

    probe = PROBES["watched"]
    fake = FakeDiscord()
    await fake.start()
    process = await start_bot(
        fake, work, archive, DATELINE_ARCHIVE__WATCH=WATCH, DATELINE_SEARCH__CACHE_DIR=str(cache)
    )
    try:
        await fake.wait_connected(timeout=600)

        users = itertools.count(10**17)  # one user a query: /search allows a user 5 in 10 s

        async def answer() -> str:
            token = await fake.inject_command("search", query=probe.lower(), user_id=next(users))
            callback = await fake.wait_callback(token, timeout=120)
            embeds = (callback.get("data") or {}).get("embeds", [])
            return " ".join(f"{e.get('title', '')} {e.get('description', '')}" for e in embeds)

        assert probe not in await answer()
        await asyncio.sleep(2)  # the start-up settles before the baseline is read
        reset_peak(process.pid)  # VmHWM counts from here: the step's peak, not the start-up's
        before = vm(process.pid, "VmRSS")
        staging = work / "watched.jsonl.part"
        write_articles(staging, lines, start, ADDED, probe)
        appeared, appeared_at = time.perf_counter(), time.time()
        staging.rename(archive / "watched.jsonl")

        async def found() -> bool:
            return probe in await answer()

        await eventually(found, timeout=600)
        took = time.perf_counter() - appeared
        peak = vm(process.pid, "VmHWM")
    finally:
        process.terminate()
        await process.wait()
        await fake.stop()
    log = (work / "bot.log").read_text(encoding="utf-8")
    return {
        "seconds": took,
        "rss_before_mb": before,
        "peak_mb": peak,
        "reloading_s": logged_at(log, "The archive changed") - appeared_at,
        "reloaded_s": logged_at(log, "Reloaded the archive") - appeared_at,
    }


def logged_at(log: str, text: str) -> float:
    """When the bot logged ``text`` (its last such line), as a Unix time."""
    line = next(line for line in reversed(log.splitlines()) if text in line)
    stamp = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").astimezone()
    return stamp.timestamp()


# --- the run ---


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=105_000, help="the archive's size")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--work", type=Path, help="keep the archive and caches here")
    parser.add_argument(
        "--only", choices=["cold"], help="only the cold build (dateline's and tantivy's)"
    )
    parser.add_argument("--no-tantivy", action="store_true", help="skip tantivy's cold build")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="start from the archive and cache an earlier run left in --work (no cold build)",
    )
    parser.add_argument("--tantivy", help=argparse.SUPPRESS)
    parser.add_argument("--compare", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--cli", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cli:
        from bot.__main__ import main as dateline

        if code := dateline(args.cli):
            raise SystemExit(code)
        print(json.dumps({"peak_mb": peak_mb()}))
        return
    if args.tantivy:
        print(json.dumps(tantivy_build(args.tantivy)))
        return
    if args.compare:
        print(json.dumps(compare(*args.compare)))
        return
    if args.reuse and not args.work:
        parser.error("--reuse needs --work: the folder an earlier run left")
    with tempfile.TemporaryDirectory(prefix="growth-") as scratch:
        run(args, args.work or Path(scratch))


def run(args: argparse.Namespace, work: Path) -> None:
    def say(what: str) -> None:
        print(what, file=sys.stderr, flush=True)

    lines = args.corpus.read_text(encoding="utf-8").splitlines()
    archive, cache, rebuilt = work / "archive", work / "cache", work / "rebuilt"
    archive.mkdir(parents=True, exist_ok=True)
    if args.reuse:
        # A cold build at 10^6 takes a quarter of an hour here: the growth steps can
        # start from one an earlier run left (same --articles), brought up to date.
        say("reusing the archive and cache in --work ...")
        for extra in ("added.jsonl", "watched.jsonl"):
            (archive / extra).unlink(missing_ok=True)
        dateline_index(archive, cache)
        cold_rows = [("cold build", "not run", "", "--reuse: an earlier run's cache")]
    else:
        cold_rows = cold_build(args, lines, archive, cache, say)
    if args.only == "cold":
        table(cold_rows)
        return
    warm_and_grow(args, lines, work, archive, cache, rebuilt, cold_rows, say)


def cold_build(
    args: argparse.Namespace,
    lines: list[str],
    archive: Path,
    cache: Path,
    say: Callable[[str], None],
) -> list[tuple[str, str, str, str]]:
    """Write the archive, build it cold (and tantivy the same files): the table's rows."""
    say(f"writing {args.articles:,} articles ...")
    write_articles(archive / "base.jsonl", lines, 0, args.articles)
    say("cold build (dateline index --rebuild) ...")
    cold = dateline_index(archive, cache, "--rebuild")
    tantivy = None
    if not args.no_tantivy:
        say("tantivy ...")
        tantivy = child("--tantivy", str(archive))
    print(f"\n{args.articles:,} articles written; {cold['said']}\n")
    return [
        (
            "cold build wall",
            f"{cold['wall_s']:.1f} s",
            "<= 138 s at 1M",
            "tantivy not run"
            if tantivy is None
            else f"tantivy {tantivy['wall_s']:.1f} s ({tantivy['build_s']:.1f} s indexing); "
            f"{cold['wall_s'] / tantivy['wall_s']:.2f}x",
        ),
        (
            "cold build peak RSS",
            f"{cold['peak_mb']:,.0f} MB",
            "<= 1,536 MB at 1M",
            "" if tantivy is None else f"tantivy {tantivy['peak_mb']:,.0f} MB",
        ),
    ]


def warm_and_grow(
    args: argparse.Namespace,
    lines: list[str],
    work: Path,
    archive: Path,
    cache: Path,
    rebuilt: Path,
    cold_rows: list[tuple[str, str, str, str]],
    say: Callable[[str], None],
) -> None:
    """Warm load, +1,000 articles both ways, the rebuild compared: print the whole table."""
    say("warm load ...")
    warm = dateline_index(archive, cache)

    say(f"adding {ADDED:,} articles as a new file, then dateline index ...")
    write_articles(archive / "added.jsonl", lines, args.articles, ADDED, PROBES["added"])
    added = dateline_index(archive, cache)

    say(f"archive.watch = {WATCH} in a running bot ...")
    watch = asyncio.run(watched(archive, cache, work, lines, args.articles + ADDED))

    say("full rebuild of the grown archive, and the dev queries on both ...")
    dateline_index(archive, rebuilt, "--rebuild")
    same = child("--compare", str(archive), str(cache), str(rebuilt), str(args.queries))
    assert all(same["probes_found"].values()), same["probes_found"]

    rows = [
        *cold_rows,
        (
            "warm load (nothing changed)",
            f"{warm['wall_s']:.1f} s",
            "",
            f"peak RSS {warm['peak_mb']:,.0f} MB: the loaded index",
        ),
        (
            f"+{ADDED:,} articles (new file): dateline index",
            f"{added['wall_s']:.1f} s",
            "<= 5 s",
            f"said: {added['said']}",
        ),
        (
            "  that step's peak RSS",
            f"{added['peak_mb']:,.0f} MB",
            "<= loaded + 300 MB",
            f"+{added['peak_mb'] - warm['peak_mb']:,.0f} MB over the warm load",
        ),
        (
            f"+{ADDED:,} articles, archive.watch {WATCH}: file to first hit",
            f"{watch['seconds']:.1f} s",
            "<= 5 s",
            f"a running dateline run, /search via the fake; it started reloading after "
            f"{watch['reloading_s']:.1f} s, had reloaded after {watch['reloaded_s']:.1f} s",
        ),
        (
            "  the bot's peak RSS",
            f"{watch['peak_mb']:,.0f} MB",
            "<= loaded + 300 MB",
            f"+{watch['peak_mb'] - watch['rss_before_mb']:,.0f} MB over its "
            f"{watch['rss_before_mb']:,.0f} MB before (the step's own peak: VmHWM reset)",
        ),
        ("dev query p99", f"{same['p99_ms']:.1f} ms", "", f"{same['queries']} queries"),
        (
            "dev query p99 during a background merge",
            f"{same['merge']['p99_ms']:.1f} ms",
            "<= 2x the above",
            f"{same['merge']['p99_ms'] / same['p99_ms']:.2f}x: {same['merge']['queries']:,} "
            f"queries while all {same['merge']['segments']} segments were merged into one "
            f"in a child process and swapped in ({same['merge']['merge_s']:.1f} s); "
            f"the {same['merge']['swap_queries']:,} queries during the swap in this process "
            f"(the last {same['merge']['swap_s']:.1f} s): "
            f"p99 {same['merge']['swap_p99_ms']:.1f} ms",
        ),
        (
            "top-10 grown = full rebuild",
            f"{same['same']} / {same['queries']}",
            "every query",
            "grown by both additions",
        ),
    ]
    print(
        f"\n{same['articles']:,} articles after the additions "
        f"({args.articles:,} at the cold build)\n"
    )
    table(rows)


def table(rows: list[tuple[str, str, str, str]]) -> None:
    print("| step | measured | goal | baseline, notes |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
