"""The store suite, run on SQLite and on PostgreSQL (``DATELINE_TEST_POSTGRES_URL``)."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.store import Store, migrate
from bot.store.migrate import current_revision, head_revision
from bot.store.models import DeliveryStatus, SubscriptionState, ZoneScope
from bot.store.store import create_engine

POSTGRES_URL = os.environ.get("DATELINE_TEST_POSTGRES_URL")
NOW = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
DAY = date(2026, 3, 29)


async def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(
            text(
                "DROP TABLE IF EXISTS deliveries, subscriptions, zone_preferences, alembic_version"
                " CASCADE"
            )
        )
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def store_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'store.sqlite3'}"
    if not POSTGRES_URL:
        pytest.skip(
            "PostgreSQL store tests need DATELINE_TEST_POSTGRES_URL, "
            "e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test (.ci/run sets it)"
        )
    await _reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


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
    subscription = await subscribe(old)
    await old.record(subscription.id, DAY, DeliveryStatus.SKIPPED, nonce="n", now=NOW)
    await old.close()

    new = Store.open(store_url)
    await new.start()
    assert await current_revision(new.engine) == head_revision() != "0001"
    assert [s.id for s in await new.subscriptions()] == [subscription.id]
    assert (await new.delivery(subscription.id, DAY)).status == DeliveryStatus.SKIPPED
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
        *(store.claim(subscription.id, DAY, "dl1d20260329", NOW) for _ in range(12))
    )
    winners = [c for c in claims if c is not None]
    assert len(winners) == 1
    assert (winners[0].status, winners[0].attempts) == (DeliveryStatus.CLAIMED, 1)
    assert await store.claim(subscription.id, DAY, "dl1d20260329", NOW) is None


async def test_a_failed_delivery_can_be_claimed_again_but_a_sent_one_never(store):
    subscription = await subscribe(store)
    claimed = await store.claim(subscription.id, DAY, "n", NOW)
    await store.mark(claimed.id, DeliveryStatus.FAILED, NOW, "Discord answered 503")
    retry = await store.claim(subscription.id, DAY, "n", NOW)
    assert (retry.id, retry.status, retry.attempts) == (claimed.id, DeliveryStatus.CLAIMED, 2)
    await store.mark_sent(retry.id, 123456789012345678, NOW)
    assert await store.claim(subscription.id, DAY, "n", NOW) is None
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
    assert await store.claim(subscription.id, DAY, "n", NOW) is None


async def test_stale_claims_are_found_and_retaken_once(store):
    subscription = await subscribe(store)
    claimed = await store.claim(subscription.id, DAY, "n", NOW)
    [stale] = await store.stale_claims()
    assert stale.id == claimed.id
    retaken = await store.retake_stale(stale.id, NOW)
    assert retaken.attempts == 2
    await store.mark_sent(stale.id, 1, NOW)
    assert await store.stale_claims() == []
    assert await store.retake_stale(stale.id, NOW) is None


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
