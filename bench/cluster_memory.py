"""Memory of a cluster on one machine: PSS per ``dateline run`` process, 1 and 3 processes.

Each run starts real ``dateline run`` processes against the sharded loopback
fake in ``tests/fake_discord`` and one PostgreSQL store, all with one index
cache folder: first three processes (``cluster.index`` 0-2 of ``size`` 3)
started together on an empty cache, so one builds it under the cache's lock
and the others wait and open it; then, on the cache built, one process running
every shard (the baseline) and three processes again. Once every shard is
connected, each process's proportional set size (PSS: shared pages counted
once, split among the processes that map them) and RSS are read from
/proc/PID/smaps_rollup.

    python bench/cluster_memory.py --corpus /tmp/reuters-all.jsonl \\
        --store postgresql+asyncpg://postgres@127.0.0.1:5432/dl_bench
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from tests.cluster.harness import fresh_database  # noqa: E402
from tests.fake_discord import FakeDiscord  # noqa: E402
from tests.fake_discord.process import start_bot  # noqa: E402

RUNS = (
    ("3, started together on an empty cache", 3, True),
    ("1 (baseline), cache built", 1, False),
    ("3, cache built", 3, False),
)
SETTLE = 5.0  # seconds after the last shard connects: start-up garbage collected, caches warm


def smaps(pid: int) -> dict[str, float]:
    """Rss, Pss, Pss_Anon, Pss_File in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        fields[name] = int(rest.split()[0]) / 1024
    return {k: fields[k] for k in ("Rss", "Pss", "Pss_Anon", "Pss_File")}


async def run(
    corpus: Path, store: str, processes: int, workdir: Path, *, empty_cache: bool
) -> list[dict[str, float]]:
    store = await fresh_database(store, "memory")  # each run starts empty
    cache = workdir / "cache"
    if empty_cache:
        shutil.rmtree(cache, ignore_errors=True)
    fake = FakeDiscord(shards=processes)
    await fake.start()
    started = []
    try:
        for index in range(processes):
            folder = workdir / f"process-{processes}-{index}-{empty_cache}"
            folder.mkdir(parents=True, exist_ok=True)
            env = {
                "DATELINE_STORE__URL": store,
                "DATELINE_SEARCH__CACHE_DIR": str(cache),  # one cache for the machine
                "DATELINE_CLUSTER__SHARD_COUNT": str(processes),
                "DATELINE_LOGGING__LEVEL": "WARNING",
            }
            if processes > 1:
                env |= {
                    "DATELINE_CLUSTER__INDEX": str(index),
                    "DATELINE_CLUSTER__SIZE": str(processes),
                }
            started.append(await start_bot(fake, folder, corpus, **env))
        await fake.wait_shards(timeout=600)
        await asyncio.sleep(SETTLE)
        return [smaps(p.pid) for p in started]
    finally:
        for process in started:
            process.send_signal(signal.SIGTERM)
        for process in started:
            await process.wait()
        await fake.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True, help="archive file (105k JSONL)")
    parser.add_argument(
        "--store",
        required=True,
        help="a PostgreSQL URL; the bench uses an empty <name>_memory beside it",
    )
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="dateline-cluster-memory-") as tmp:
        for label, processes, empty_cache in RUNS:
            measured = await run(
                args.corpus, args.store, processes, Path(tmp), empty_cache=empty_cache
            )
            rows.append((label, measured))
            print(label, measured, flush=True)
    print(
        "\n| processes | PSS each, MB | PSS total, MB | of which file-backed, MB | RSS each, MB |"
    )
    print("| --- | --- | --- | --- | --- |")
    for label, measured in rows:
        pss = ", ".join(f"{m['Pss']:.0f}" for m in measured)
        rss = ", ".join(f"{m['Rss']:.0f}" for m in measured)
        total = sum(m["Pss"] for m in measured)
        mapped = sum(m["Pss_File"] for m in measured)
        print(f"| {label} | {pss} | {total:.0f} | {mapped:.0f} | {rss} |")


if __name__ == "__main__":
    asyncio.run(main())
