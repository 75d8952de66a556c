"""Memory of a cluster on one machine: PSS per ``dateline run`` process, 1 and 3 processes.

Each run starts real ``dateline run`` processes against the sharded loopback
fake in ``tests/fake_discord`` and one PostgreSQL store: one process running
every shard, then three processes (``cluster.index`` 0-2 of ``size`` 3) started
together on an empty index cache, so the first builds it under the cache's
lock and the others wait and open it. Once every shard is connected, each
process's proportional set size (PSS: shared pages counted once, split among
the processes that map them) and RSS are read from /proc/PID/smaps_rollup.

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

from sqlalchemy import text  # noqa: E402

from bot.store.store import create_engine  # noqa: E402
from tests.fake_discord import FakeDiscord  # noqa: E402
from tests.fake_discord.process import start_bot  # noqa: E402

SETTLE = 5.0  # seconds after the last shard connects: start-up garbage collected, caches warm


def smaps(pid: int) -> dict[str, float]:
    """Rss, Pss, Pss_Anon, Pss_File in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        fields[name] = int(rest.split()[0]) / 1024
    return {k: fields[k] for k in ("Rss", "Pss", "Pss_Anon", "Pss_File")}


async def empty_store(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "DROP TABLE IF EXISTS deliveries, subscriptions, zone_preferences, alembic_version"
                " CASCADE"
            )
        )
    await engine.dispose()


async def run(corpus: Path, store: str, processes: int, workdir: Path) -> list[dict[str, float]]:
    await empty_store(store)
    cache = workdir / "cache"
    shutil.rmtree(cache, ignore_errors=True)
    fake = FakeDiscord(shards=processes)
    await fake.start()
    started = []
    try:
        for index in range(processes):
            folder = workdir / f"process-{processes}-{index}"
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
    parser.add_argument("--store", required=True, help="an empty PostgreSQL database URL")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="dateline-cluster-memory-") as tmp:
        for processes in (1, 3):
            measured = await run(args.corpus, args.store, processes, Path(tmp))
            rows.append((processes, measured))
            print(processes, measured, flush=True)
    print("\n| processes | PSS per process, MB | PSS total, MB | RSS per process, MB |")
    print("| --- | --- | --- | --- |")
    for processes, measured in rows:
        pss = ", ".join(f"{m['Pss']:.0f}" for m in measured)
        rss = ", ".join(f"{m['Rss']:.0f}" for m in measured)
        total = sum(m["Pss"] for m in measured)
        print(f"| {processes} | {pss} | {total:.0f} | {rss} |")
    print("\nPSS of file-backed pages (the memory-mapped index), per process:")
    for processes, measured in rows:
        print(f"  {processes}: " + ", ".join(f"{m['Pss_File']:.0f} MB" for m in measured))


if __name__ == "__main__":
    asyncio.run(main())
