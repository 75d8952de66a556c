"""A cluster against the sharded fake Discord: fan-out under one token's budget, and start-up.

Real ``dateline run`` processes on one PostgreSQL database, talking to the
loopback fake of ``tests/fake_discord``, which enforces Discord's global 50
requests/s (429 beyond it) and the IDENTIFY rate (op 9 beyond it). In one run:

* fan-out: N subscriptions on guilds of 2 shards, due at the same minute,
  delivered by 2 processes (one shard each), and, as the baseline, by a single
  process running both shards: each delivered once, posts/s as a fraction of
  50/s (goal >= 0.9) with no 429;
* start-up: a 16-shard bot run by 2 processes, ``max_concurrency`` 1: every
  IDENTIFY at least 5 s after the previous one (goal: 16 IDENTIFYs, 0 invalid
  sessions), and how long until every shard is connected.

    python bench/cluster_bench.py                   # 5,000 digests
    python bench/cluster_bench.py -n 1000 --skip-startup

Needs PostgreSQL: ``DATELINE_TEST_POSTGRES_URL`` (or ``--postgres``) names a
database; the bench makes its own ``<name>_bench`` beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.store import Store  # noqa: E402
from bot.store.models import DeliveryStatus, Subscription, SubscriptionState  # noqa: E402
from tests.cluster.harness import POSTGRES_ENV, Cluster, fresh_database, write_archive  # noqa: E402
from tests.fake_discord import FakeDiscord  # noqa: E402
from tests.fake_discord.limits import busiest_second, guild_id_on_shard  # noqa: E402

LIMIT = 50  # Discord's global requests per second for one bot token
FIRST_CHANNEL = 1_800_000_000_000_000_000
FAN_OUT_SHARDS = 2
QUIET = {"DATELINE_LOGGING__LEVEL": "WARNING"}


async def seed(url: str, n: int, due: datetime) -> dict[int, int]:
    """``n`` subscriptions due at ``due`` (UTC), alternating between shards: channel -> shard."""
    store = Store.open(url)
    await store.start()
    # Set up a minute ago, after yesterday's due time: start-up has no day to catch up
    # on or record as missed, so the fan-out runs alone, as on any day after the first.
    # (Left out, ``schedule_from`` took its column default of 1970, and each process
    # recorded a week of missed days per subscription while the fan-out ran.)
    created = datetime.now(UTC) - timedelta(minutes=1)
    rows, shards = [], {}
    for number in range(n):
        shard = number % FAN_OUT_SHARDS
        guild = guild_id_on_shard(shard, FAN_OUT_SHARDS, number // FAN_OUT_SHARDS)
        channel = FIRST_CHANNEL + number
        shards[channel] = shard
        rows.append(
            {
                "guild_id": guild,
                "channel_id": channel,
                "local_time": f"{due:%H:%M}",
                "timezone": "UTC",
                "min_items": 1,
                "max_items": 10,
                "sources": "",
                "state": SubscriptionState.ACTIVE,
                "created_at": created,
                "updated_at": created,
                "schedule_from": created,
            }
        )
    async with store.engine.begin() as connection:  # one statement: seeding 5,000 takes a second
        await connection.execute(insert(Subscription), rows)
    await store.close()
    return shards


async def sent_count(url: str) -> int:
    store = Store.open(url)
    try:
        subscriptions = await store.subscriptions()
        latest = await store.latest_deliveries([s.id for s in subscriptions])
        return sum(d.status == DeliveryStatus.SENT for d in latest.values())
    finally:
        await store.close()


async def fan_out(base_url: str, processes: int, n: int) -> dict:
    fake = FakeDiscord(shards=FAN_OUT_SHARDS, max_concurrency=1)
    await fake.start()
    url = await fresh_database(base_url, "bench")
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        due = (datetime.now(UTC) + timedelta(seconds=75)).replace(second=0, microsecond=0)
        shards = await seed(url, n, due)
        archive = write_archive(root / "archive", due.date())
        cluster = Cluster(fake, root, archive, url, size=processes, env=QUIET)
        try:
            await cluster.start()
            await cluster.wait_ready(timeout=300)
            print(f"{processes} process(es): {n} digests due at {due:%H:%M} UTC", flush=True)
            await asyncio.sleep(max((due - datetime.now(UTC)).total_seconds(), 0))
            cpu_before = cpu_seconds(cluster)
            deadline = time.monotonic() + n / 10 + 60
            while len(fake.messages) < n and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
            await asyncio.sleep(2)  # room for duplicates
            running = cluster.running()
            cpu = cpu_seconds(cluster) - cpu_before
        finally:
            await cluster.stop()
            await fake.stop()
        return row(f"{processes} process(es)", fake, shards, processes, running, url, n) | {
            "log": await sent_count(url),
            "cpu ms per post": 1000 * cpu / max(len(fake.messages), 1),
        }


def cpu_seconds(cluster: Cluster) -> float:
    """CPU time (user and system) the cluster's processes have used so far."""
    ticks = 0
    for member in cluster.members.values():
        fields = Path(f"/proc/{member.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime: fields 14 and 15
    return ticks / os.sysconf("SC_CLK_TCK")


def row(label, fake, shards, processes, running, url, n) -> dict:
    per_channel = Counter(m["channel_id"] for m in fake.messages)
    delivered = [m for m in fake.messages if int(m["channel_id"]) in shards]
    answered = sorted(p.at for p in fake.message_posts() if p.status == 200)
    span = answered[-1] - answered[0] if len(answered) > 1 else float("nan")
    rate = (len(answered) - 1) / span if len(answered) > 1 else 0.0
    wrong_owner = sum(
        f"p{shards[int(p.path.split('/')[2])] % processes}" != p.client
        for p in fake.message_posts()
    )
    limited = [r.at for r in fake.requests if not r.path.startswith(("/interactions", "/webhooks"))]
    return {
        "run": label,
        "delivered": f"{len({m['channel_id'] for m in delivered})}/{n}",
        "duplicates": sum(count - 1 for count in per_channel.values()),
        "not by owner": wrong_owner,
        "seconds": span,
        "rate": rate,
        "fraction": rate / LIMIT,
        "429s": fake.rate_limited,
        "busiest second": busiest_second(limited),
        "running": running,
    }


async def start_up(base_url: str, shards: int = 16, processes: int = 2) -> dict:
    fake = FakeDiscord(shards=shards, max_concurrency=1)
    await fake.start()
    url = await fresh_database(base_url, "bench")
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        archive = write_archive(root / "archive", datetime.now(UTC).date())
        cluster = Cluster(fake, root, archive, url, size=processes, env=QUIET)
        began = time.monotonic()
        try:
            await cluster.start()
            print(f"start-up: {shards} shards over {processes} processes...", flush=True)
            await cluster.wait_ready(timeout=shards * 5 * 3 + 60)
            all_live = time.monotonic() - began
        finally:
            await cluster.stop()
            await fake.stop()
    accepted = fake.identify_limit.accepted
    gaps = [b.at - a.at for a, b in itertools.pairwise(accepted)]
    by_owner = all(i.client == f"p{i.shard_id % processes}" for i in accepted)
    return {
        "identifies": len(accepted),
        "invalid sessions": fake.invalid_sessions,
        "shortest gap": min(gaps, default=float("nan")),
        "longest gap": max(gaps, default=float("nan")),
        "seconds to all shards": all_live,
        "ideal seconds": (shards - 1) * 5,
        "each by its owner": by_owner,
        "shards": sorted({i.shard_id for i in accepted}) == list(range(shards)),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=5000, help="digests due the same minute")
    parser.add_argument("--postgres", default=os.environ.get(POSTGRES_ENV), help="a database URL")
    parser.add_argument("--skip-startup", action="store_true")
    args = parser.parse_args()
    if not args.postgres:
        sys.exit(f"cluster_bench: needs PostgreSQL: set {POSTGRES_ENV} or pass --postgres")
    rows = [await fan_out(args.postgres, 2, args.n), await fan_out(args.postgres, 1, args.n)]
    startup = None if args.skip_startup else await start_up(args.postgres)

    print(f"\n{args.n} digests due the same minute, {FAN_OUT_SHARDS} shards; fake allows 50/s\n")
    print(
        "| run | delivered | duplicates | posted by a non-owner | s | posts/s | of 50/s "
        "| 429s | busiest second | delivery log | bot CPU ms per post |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['run']} | {r['delivered']} | {r['duplicates']} | {r['not by owner']} "
            f"| {r['seconds']:.1f} | {r['rate']:.1f} | {r['fraction']:.2f} | {r['429s']} "
            f"| {r['busiest second']} | {r['log']} sent | {r['cpu ms per post']:.1f} |"
        )
    print("\nGoal: each delivered once, at least 0.9 of 50/s, zero 429s.")
    if startup:
        print("\n16 shards, 2 processes, max_concurrency 1\n")
        print("| IDENTIFYs | invalid sessions | shortest gap s | longest gap s | all up after s |")
        print("| --- | --- | --- | --- | --- |")
        print(
            f"| {startup['identifies']} | {startup['invalid sessions']} "
            f"| {startup['shortest gap']:.2f} | {startup['longest gap']:.2f} "
            f"| {startup['seconds to all shards']:.1f} (ideal {startup['ideal seconds']}) |"
        )
        print(
            f"\nEvery shard once: {startup['shards']}; each by the process that owns it: "
            f"{startup['each by its owner']}. Goal: 16 IDENTIFYs >= 5 s apart, 0 invalid sessions."
        )


if __name__ == "__main__":
    asyncio.run(main())
