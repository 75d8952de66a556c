"""The store suite, run on SQLite and on PostgreSQL (``DATELINE_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.store import Store, migrate
from bot.store.migrate import current_revision, head_revision
from bot.store.models import Claimant, DeliveryStatus, SubscriptionState, ZoneScope

NOW = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
DAY = date(2026, 3, 29)
LEASE = timedelta(seconds=60)
ME = Claimant("host-a:100", LEASE)
OTHER = Claimant("host-b:200", LEASE)


@pytest.fixture
async def store(store_url):
    opened = Store.open(store_url)
    await opened.start()
    yield opened
    await opened.close()


async def subscribe(store: Store, channel_id: int = 20, **options):
    options = {"local_time": "02:30", "timezone": "Europe/Berlin", "now": NOW, **options}
    return await store.subscribe(10, channel_id, **options)


async def test_migrations_run_at_start_and_keep_subscriptions_across_restarts(store_url):
    first = Store.open(store_url)
    await first.start()
    assert await current_revision(first.engine) == head_revision()
    await subscribe(first, sources=["Reuters", "Shafaq News"])
    await first.close()

    again = Store.open(store_url)
    await again.start()  # the upgrade is a no-op on an up-to-date schema
    [kept] = await again.subscriptions()
    assert kept.source_list == ["Reuters", "Shafaq News"]
    assert kept.created_at == NOW  # aware UTC back from every backend
    await again.close()


async def test_upgrading_from_the_first_schema_keeps_subscriptions_and_deliveries(store_url):
    old = Store.open(store_url)
    await migrate.upgrade(old.engine, "0001")  # a database made by the first release
    assert await current_revision(old.engine) == "0001"
    async with old.engine.begin() as connection:  # written as the first release wrote them
        await connection.execute(
            text(
                "INSERT INTO subscriptions (id, guild_id, channel_id, local_time, timezone,"
                " min_items, max_items, sources, state, created_at, updated_at)"
                " VALUES (7, 10, 20, '02:30', 'UTC', 1, 10, '', 'active', :now, :now)"
            ),
            {"now": NOW},
        )
        await connection.execute(
            text(
                "INSERT INTO deliveries (subscription_id, local_date, status, nonce, attempts,"
                " updated_at) VALUES (7, :day, 'skipped', 'n', 0, :now)"
            ),
            {"day": DAY, "now": NOW},
        )
    await old.close()

    new = Store.open(store_url)
    await new.start()
    assert await current_revision(new.engine) == head_revision() != "0001"
    [kept] = await new.subscriptions()
    assert (kept.id, kept.schedule_from) == (7, NOW)  # its schedule began when it was made
    assert (await new.delivery(7, DAY)).status == DeliveryStatus.SKIPPED
    await new.close()


async def test_sqlite_uses_wal(tmp_path):
    store = Store.open(f"sqlite+aiosqlite:///{tmp_path / 'wal.sqlite3'}")
    await store.start()
    async with store.engine.connect() as connection:
        mode = (await connection.execute(text("PRAGMA journal_mode"))).scalar()
    await store.close()
    assert mode == "wal"


async def test_resubscribing_replaces_options_and_unpauses(store):
    first = await subscribe(store)
    await store.pause(first.id, "Missing Access", NOW)
    later = NOW + timedelta(days=1)
    again = await subscribe(store, local_time="07:00", timezone="Asia/Baghdad", now=later)
    assert again.id == first.id
    assert (again.local_time, again.timezone, again.state, again.last_error) == (
        "07:00",
        "Asia/Baghdad",
        SubscriptionState.ACTIVE,
        None,
    )
    assert again.created_at == NOW
    other = await subscribe(store, channel_id=21)
    assert [s.id for s in await store.subscriptions(guild_id=10)] == [first.id, other.id]
    assert await store.subscriptions(guild_id=99) == []


async def test_only_one_concurrent_claim_wins(store):
    subscription = await subscribe(store)
    claims = await asyncio.gather(
        *(store.claim(subscription.id, DAY, "dl1d20260329", NOW, ME) for _ in range(12))
    )
    winners = [c for c in claims if c is not None]
    assert len(winners) == 1
    assert (winners[0].status, winners[0].attempts) == (DeliveryStatus.CLAIMED, 1)
    assert await store.claim(subscription.id, DAY, "dl1d20260329", NOW, ME) is None


async def test_a_failed_delivery_can_be_claimed_again_but_a_sent_one_never(store):
    subscription = await subscribe(store)
    claimed = await store.claim(subscription.id, DAY, "n", NOW, ME)
    assert await store.mark(
        claimed.id,
        DeliveryStatus.FAILED,
        NOW,
        "Discord answered 503",
        expected=DeliveryStatus.CLAIMED,
    )
    retry = await store.claim(subscription.id, DAY, "n", NOW, ME)
    assert (retry.id, retry.status, retry.attempts) == (claimed.id, DeliveryStatus.CLAIMED, 2)
    assert await store.mark_sent(retry.id, 123456789012345678, NOW, owner=ME.owner)
    assert await store.claim(subscription.id, DAY, "n", NOW, ME) is None
    sent = await store.delivery(subscription.id, DAY)
    assert (sent.status, sent.message_id, sent.attempts, sent.last_error) == (
        DeliveryStatus.SENT,
        123456789012345678,
        2,
        None,
    )


async def test_recording_a_skipped_or_missed_day_never_overwrites(store):
    subscription = await subscribe(store)
    assert await store.record(
        subscription.id, DAY, DeliveryStatus.SKIPPED, nonce="n", now=NOW, reason="empty"
    )
    assert not await store.record(subscription.id, DAY, DeliveryStatus.MISSED, nonce="n", now=NOW)
    assert (await store.delivery(subscription.id, DAY)).status == DeliveryStatus.SKIPPED
    assert await store.claim(subscription.id, DAY, "n", NOW, ME) is None


async def test_a_claim_names_its_owner_and_lease_and_only_the_owner_renews_it(store):
    subscription = await subscribe(store)
    claimed = await store.claim(subscription.id, DAY, "n", NOW, ME)
    assert (claimed.owner, claimed.lease_until) == (ME.owner, NOW + LEASE)
    later = NOW + timedelta(seconds=45)
    assert await store.renew(claimed.id, ME, later)
    assert not await store.renew(claimed.id, OTHER, later)
    assert (await store.delivery(subscription.id, DAY)).lease_until == later + LEASE


async def test_a_live_claim_is_never_taken_over_an_expired_one_once(store):
    subscription = await subscribe(store)
    claimed = await store.claim(subscription.id, DAY, "n", NOW, ME)
    assert await store.expired_claims(NOW + LEASE - timedelta(seconds=1)) == []
    assert await store.take_over(claimed.id, OTHER, NOW + timedelta(seconds=30)) is None

    expired = NOW + LEASE + timedelta(seconds=1)
    [stale] = await store.expired_claims(expired)
    assert stale.id == claimed.id
    takers = await asyncio.gather(*(store.take_over(stale.id, c, expired) for c in (OTHER, ME)))
    [taken] = [t for t in takers if t is not None]
    assert (taken.attempts, taken.lease_until) == (2, expired + LEASE)
    assert await store.expired_claims(expired) == []


async def test_status_changes_are_compare_and_set_so_no_outcome_is_overwritten(store):
    subscription = await subscribe(store)
    claimed = await store.claim(subscription.id, DAY, "n", NOW, ME)
    expired = NOW + LEASE + timedelta(seconds=1)
    await store.take_over(claimed.id, OTHER, expired)
    # The first owner comes back from a long pause: its late result must not count.
    assert not await store.mark_sent(claimed.id, 1, expired, owner=ME.owner)
    assert await store.mark_sent(claimed.id, 2, expired, owner=OTHER.owner)
    # Repair that still believes the row is CLAIMED cannot write it off as missed.
    assert not await store.mark(
        claimed.id, DeliveryStatus.MISSED, expired, "too late", expected=DeliveryStatus.CLAIMED
    )
    assert not await store.mark(
        claimed.id, DeliveryStatus.MISSED, expired, expected=DeliveryStatus.FAILED
    )
    row = await store.delivery(subscription.id, DAY)
    assert (row.status, row.message_id, row.owner, row.lease_until) == (
        DeliveryStatus.SENT,
        2,
        OTHER.owner,
        None,
    )


async def test_the_schedule_start_moves_only_when_the_time_or_zone_changes(store):
    first = await subscribe(store)
    assert first.schedule_from == NOW
    options_only = await subscribe(store, max_items=3, now=NOW + timedelta(hours=1))
    assert options_only.schedule_from == NOW
    moved = await subscribe(store, local_time="09:00", now=NOW + timedelta(hours=2))
    assert moved.schedule_from == NOW + timedelta(hours=2)
    rezoned = await subscribe(
        store, local_time="09:00", timezone="UTC", now=NOW + timedelta(hours=3)
    )
    assert rezoned.schedule_from == NOW + timedelta(hours=3)


def guild_on_shard(shard: int, shard_count: int, n: int = 0) -> int:
    return ((n * shard_count + shard) << 22) | 12345


async def test_subscriptions_and_expired_claims_of_some_shards_only(store):
    by_shard = {}
    for shard in range(4):
        guild = guild_on_shard(shard, 4, n=1000 + shard)  # ids as large as real snowflakes
        by_shard[shard] = await store.subscribe(
            guild, 1, local_time="08:00", timezone="UTC", now=NOW
        )
        await store.claim(by_shard[shard].id, DAY, "n", NOW, ME)
    mine = await store.subscriptions(active_only=True, shards=(4, [1, 3]))
    assert [s.id for s in mine] == [by_shard[1].id, by_shard[3].id]
    expired = await store.expired_claims(NOW + LEASE * 2, shards=(4, [2]))
    assert [d.subscription_id for d in expired] == [by_shard[2].id]
    assert len(await store.expired_claims(NOW + LEASE * 2)) == 4


async def test_processes_starting_together_on_a_new_store_all_start(store_url):
    """Migrations are serialised (advisory lock / lock file): none of them fails."""
    script = "import asyncio, sys; from bot.store import Store\n" + (
        "async def main():\n"
        "    store = Store.open(sys.argv[1])\n"
        "    await store.start()\n"
        "    await store.close()\n"
        "asyncio.run(main())\n"
    )
    starts = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", script, store_url, stderr=asyncio.subprocess.PIPE
        )
        for _ in range(3)
    ]
    results = [(await p.wait(), (await p.stderr.read()).decode()[-300:]) for p in starts]
    assert results == [(0, "")] * 3
    store = Store.open(store_url)
    assert await current_revision(store.engine) == head_revision()
    await store.close()


async def test_latest_deliveries_and_unsubscribe_removes_the_log(store):
    subscription = await subscribe(store)
    for back in (2, 0, 1):
        day = DAY - timedelta(days=back)
        await store.record(subscription.id, day, DeliveryStatus.MISSED, nonce="n", now=NOW)
    latest = await store.latest_deliveries([subscription.id])
    assert latest[subscription.id].local_date == DAY
    await store.pause(subscription.id, "gone", NOW)
    assert (await store.subscription(subscription.id)).state == SubscriptionState.PAUSED
    assert await store.subscriptions(active_only=True) == []
    removed = await store.unsubscribe(10, 20)
    assert removed.id == subscription.id
    assert await store.deliveries(subscription.id) == []
    assert await store.unsubscribe(10, 20) is None


async def test_forgetting_a_guild_drops_only_its_subscriptions(store):
    kept = await store.subscribe(11, 30, local_time="08:00", timezone="UTC", now=NOW)
    gone = [(await subscribe(store, channel_id=c)).id for c in (20, 21)]
    assert sorted(await store.forget_guild(10)) == sorted(gone)
    assert [s.id for s in await store.subscriptions()] == [kept.id]


async def test_zones_chosen_by_members_and_servers(store):
    assert await store.zones(1, 10) == {}
    await store.set_zone(ZoneScope.GUILD, 10, "Asia/Baghdad", NOW)
    await store.set_zone(ZoneScope.USER, 1, "Europe/Berlin", NOW)
    await store.set_zone(ZoneScope.USER, 1, "Europe/Paris", NOW)  # chosen again: replaced
    assert await store.zones(1, 10) == {"user": "Europe/Paris", "guild": "Asia/Baghdad"}
    assert await store.zones(2, 10) == {"guild": "Asia/Baghdad"}
    assert await store.zones(1, None) == {"user": "Europe/Paris"}
    assert await store.zone_for(1, 10) == (ZoneScope.USER, "Europe/Paris")
    assert await store.zone_for(2, 10) == (ZoneScope.GUILD, "Asia/Baghdad")
    assert await store.zone_for(2, None) == (None, "UTC")
    await store.set_zone(ZoneScope.USER, 1, None, NOW)
    assert await store.zones(1, 10) == {"guild": "Asia/Baghdad"}
    await store.forget_guild(10)
    assert await store.zones(1, 10) == {}


async def test_a_kept_state_reads_back_until_it_expires_then_is_deleted(store):
    odd = "Longread ☃ with\nlines and a NUL \x00 " + "z" * 140  # any text an article id holds
    await store.keep_state("k1", odd, NOW + timedelta(days=1))
    await store.keep_state("k2", "other", NOW + timedelta(days=3))
    assert await store.kept_state("k1", NOW) == odd
    assert await store.kept_state("k1", NOW + timedelta(days=1)) is None  # expired
    assert await store.kept_state("never", NOW) is None
    await store.keep_state("k1", odd, NOW + timedelta(days=2))  # put on a message again
    assert await store.kept_state("k1", NOW + timedelta(days=1)) == odd

    assert await store.forget_expired_states(NOW + timedelta(days=2)) == 1
    assert await store.kept_state("k1", NOW) is None  # gone, not just expired
    assert await store.kept_state("k2", NOW) == "other"
    assert await store.forget_expired_states(NOW + timedelta(days=2)) == 0


async def test_after_the_database_drops_its_connections_one_statement_fails_then_all_work(
    store, store_url
):
    if not store_url.startswith("postgresql"):
        pytest.skip("only a server drops connections")
    subscription = await subscribe(store)
    # Five at once: the pool then holds five connections, each of which would fail once
    # if a failure did not make SQLAlchemy discard them all.
    await asyncio.gather(*(store.subscriptions() for _ in range(5)))
    await store.claim(subscription.id, DAY, "n", NOW, ME)
    other = Store.open(store_url)  # another client ends the store's sessions,
    async with other.engine.connect() as connection:  # as a restart or failover would
        await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    await other.close()
    with pytest.raises(Exception):  # noqa: B017 - whichever way asyncpg finds out
        await store.subscription(subscription.id)
    # The failure discarded the pool: the digest statements and the rest work at once.
    assert (await store.subscription(subscription.id)).channel_id == 20
    claimed = await store.claim(subscription.id, DAY + timedelta(days=1), "m", NOW, ME)
    assert await store.mark_sent(claimed.id, 1, NOW, owner=ME.owner)
    assert [s.id for s in await store.subscriptions()] == [subscription.id]
