"""``kill -9`` of one process in the middle of a fan-out, then its restart: no duplicate, no gap.

The fan-out is start-up catch-up (digests due ten minutes ago, subscribed
yesterday), so it begins as soon as the processes start. Process 0 is killed
once it has posted some of its digests: some are sent, some claimed with the
request in flight, some not started. The restarted process 0 finishes them
all; process 1, which owns none of them, never posts one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store import Store
from tests.cluster.harness import Cluster, all_sent, checked_run, write_archive
from tests.fake_discord import FakeDiscord
from tests.fake_discord.limits import guild_id_on_shard
from tests.fake_discord.process import eventually

FIRST_CHANNEL = 1_700_000_000_000_000_000
PER_SHARD = {0: 60, 1: 20}
CLUSTER_ENV = {"DATELINE_CLUSTER__LEASE": "5"}  # seconds before a dead process's claim is free


async def test_a_process_killed_mid_fan_out_and_restarted_posts_each_digest_once(
    cluster_store_url, tmp_path
):
    fake = FakeDiscord(shards=2, max_concurrency=1)
    await fake.start()
    now = datetime.now(UTC)
    due = now - timedelta(minutes=10)
    archive = write_archive(tmp_path / "archive", due.date())
    owners: dict[int, str] = {}  # channel -> owning process
    store = Store.open(cluster_store_url)
    await store.start()
    for shard, count in PER_SHARD.items():
        for n in range(count):
            channel = FIRST_CHANNEL + len(owners)
            owners[channel] = f"p{shard}"
            await store.subscribe(
                guild_id_on_shard(shard, 2, n),
                channel,
                local_time=f"{due:%H:%M}",
                timezone="UTC",
                now=now - timedelta(days=1),
            )
    cluster = Cluster(fake, tmp_path, archive, cluster_store_url, size=2, env=CLUSTER_ENV)
    async with checked_run(cluster, store):
        await cluster.start()
        await eventually(lambda: _posted_by(fake, "p0", at_least=10), timeout=120)
        await cluster.kill(0)
        killed_after = len([p for p in fake.message_posts() if p.client == "p0"])
        assert killed_after < PER_SHARD[0], "the fan-out ended before the kill: nothing tested"

        await cluster.start(0)
        await eventually(lambda: all_sent(store, owners), timeout=120)

    posts = fake.message_posts()
    for channel, owner in owners.items():
        assert len(fake.channel_messages(channel)) == 1, channel  # no duplicate, no gap
        assert {p.client for p in posts if p.path == f"/channels/{channel}/messages"} == {owner}


async def _posted_by(fake: FakeDiscord, client: str, at_least: int) -> bool:
    return sum(p.client == client for p in fake.message_posts()) >= at_least
