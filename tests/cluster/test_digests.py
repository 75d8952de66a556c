"""Digests in a cluster: every shard's subscriptions posted once, by their owner, on time.

Two processes run three shards (process 0: shards 0 and 2; process 1: shard 1).
Subscriptions on guilds of every shard are due at the same minute; four more are
moved after the cluster is up, earlier or later by a minute, through another
process (this test, using Dateline's store) or directly in the database with
SQL, one of them with triggers off so that no notification tells anyone (the
periodic reconciliation must find it). The fake records which process sent
each post and when.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.store import Store
from tests.cluster.harness import Cluster, all_sent, checked_run, write_archive
from tests.fake_discord import FakeDiscord
from tests.fake_discord.limits import guild_id_on_shard, shard_of
from tests.fake_discord.process import eventually

FIRST_CHANNEL = 1_600_000_000_000_000_000
ON_TIME = timedelta(seconds=20)  # a post within this of its due minute is on time
CLUSTER_ENV = {
    "DATELINE_CLUSTER__RECONCILE_EVERY": "5",  # seconds: changes made with SQL show up fast
    "DATELINE_CLUSTER__LEASE": "5",
}


def next_minute(after: datetime) -> datetime:
    return (after + timedelta(minutes=1)).replace(second=0, microsecond=0)


async def seed(store: Store, guilds: dict[int, int], due: datetime, created: datetime) -> None:
    """One subscription per guild -> channel, due at ``due`` (UTC)."""
    for guild_id, channel_id in guilds.items():
        await store.subscribe(
            guild_id, channel_id, local_time=f"{due:%H:%M}", timezone="UTC", now=created
        )


def guild_channels(shards: dict[int, int], first: int) -> dict[int, int]:
    """``count`` guilds on each shard, each with one channel: guild id -> channel id."""
    guilds = {}
    for shard, count in shards.items():
        for n in range(count):
            guilds[guild_id_on_shard(shard, 3, first + n)] = FIRST_CHANNEL + len(guilds) + first
    return guilds


async def move_with_sql(
    url: str, channel_id: int, due: datetime, now: datetime, *, silently: bool = False
) -> None:
    """An operator's UPDATE; ``silently`` also keeps triggers from firing, so no notification
    goes out and only the owner's periodic reconciliation can find the change."""
    store = Store.open(url)  # only for its engine: no Dateline code runs the update
    try:
        async with store.engine.begin() as connection:
            if silently:
                await connection.execute(text("SET LOCAL session_replication_role = replica"))
            await connection.execute(
                text(
                    "UPDATE subscriptions SET local_time = :time, updated_at = :now"
                    " WHERE channel_id = :channel"
                ),
                {"time": f"{due:%H:%M}", "now": now, "channel": channel_id},
            )
    finally:
        await store.close()


async def test_every_shard_posts_once_by_its_owner_at_the_current_time(cluster_store_url, tmp_path):
    fake = FakeDiscord(shards=3, max_concurrency=1)
    await fake.start()
    now = datetime.now(UTC)
    first_due = next_minute(now + timedelta(seconds=40))
    second_due = first_due + timedelta(minutes=1)
    archive = write_archive(tmp_path / "archive", first_due.date())
    write_archive(tmp_path / "archive", second_due.date())  # the same day, unless at midnight
    # 30 guilds per shard due at the first minute: 60 for process 0, 30 for process 1.
    bulk = guild_channels({0: 30, 1: 30, 2: 30}, first=0)
    earlier_by_store = guild_channels({1: 1}, first=100)  # second -> first minute, process 1
    later_by_store = guild_channels({0: 1}, first=101)  # first -> second minute, process 0
    earlier_by_sql = guild_channels({2: 1}, first=102)  # second -> first minute, process 0
    later_by_sql = guild_channels({1: 1}, first=103)  # first -> second minute, process 1
    store = Store.open(cluster_store_url)
    await store.start()
    yesterday = now - timedelta(days=1)
    await seed(store, bulk | later_by_store | later_by_sql, first_due, yesterday)
    await seed(store, earlier_by_store | earlier_by_sql, second_due, yesterday)

    cluster = Cluster(fake, tmp_path, archive, cluster_store_url, size=2, env=CLUSTER_ENV)
    async with checked_run(cluster, store):
        await cluster.start()
        await cluster.wait_ready()
        changed = datetime.now(UTC)
        assert changed < first_due - timedelta(seconds=15), "the cluster took too long to start"
        await seed(store, earlier_by_store, first_due, changed)
        await seed(store, later_by_store, second_due, changed)
        for channel in earlier_by_sql.values():
            await move_with_sql(cluster_store_url, channel, first_due, changed, silently=True)
        for channel in later_by_sql.values():
            await move_with_sql(cluster_store_url, channel, second_due, changed)

        on_first = bulk | earlier_by_store | earlier_by_sql
        on_second = later_by_store | later_by_sql
        everything = on_first | on_second
        await eventually(lambda: _all_posted(fake, everything), timeout=240)
        await eventually(lambda: all_sent(store, everything.values()), timeout=30)

    posts = fake.message_posts()
    for guild_id, channel_id in everything.items():
        due = first_due if guild_id in on_first else second_due
        [message] = fake.channel_messages(channel_id)  # exactly once
        sent = [p for p in posts if p.path == f"/channels/{channel_id}/messages"]
        # Posted (and tried) only by the process that runs the guild's shard.
        owner = f"p{shard_of(guild_id, 3) % 2}"
        assert {p.client for p in sent} == {owner}, (guild_id, sent)
        answered = [p for p in sent if p.status == 200]
        assert due <= answered[0].wall < due + ON_TIME, (guild_id, due, answered[0].wall)
        assert message["embeds"]


async def _all_posted(fake: FakeDiscord, guilds: dict[int, int]) -> bool:
    posted = {m["channel_id"] for m in fake.messages}
    return all(str(channel) in posted for channel in guilds.values())
