"""Digests from a real ``dateline run`` process that is killed mid-delivery, and Discord errors.

The fake stores a digest post but never answers it; the test kills the
process with SIGKILL, so the delivery row is left CLAIMED exactly as a crash
between "Discord has it" and "we marked it sent" would leave it. Once the dead
process's claim lease (5 s here) expires, the restarted process resends with
the same nonce and the fake, like Discord, returns the message it already
has: one message, no gap.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.store import Store
from bot.store.models import DeliveryStatus, SubscriptionState
from tests.fake_discord.limits import busiest_second
from tests.fake_discord.process import eventually, running_bot, start_bot

SEED = "{stamp}\n\nWire / {title}. Body.\n"
UNCOUNTED = ("/interactions/", "/webhooks/")  # Discord's global limit excepts these


DUE = datetime.now(UTC) - timedelta(minutes=10)  # one due time for the whole module
SHORT_LEASE = {"DATELINE_CLUSTER__LEASE": "5"}  # a dead process's claim expires in 5 s


@pytest.fixture
def today() -> date:
    return DUE.date()


@pytest.fixture
def archive(tmp_path, today):
    folder = tmp_path / "archive"
    folder.mkdir()
    for years_ago in (1, 3):
        stamp = f"{today.year - years_ago}-{today:%m-%d} 12:00:00"
        (folder / f"story{years_ago}.txt").write_text(
            SEED.format(stamp=stamp, title=f"Story from {years_ago} years back"), encoding="utf-8"
        )
    return folder


async def seeded_store(workdir, channels: list[int]) -> tuple[Store, list[int]]:
    """Subscriptions made yesterday, due 10 minutes ago: start-up catch-up posts them."""
    store = Store.open(f"sqlite+aiosqlite:///{workdir / 'data' / 'dateline.sqlite3'}")
    await store.start()
    now = datetime.now(UTC)
    ids = []
    for channel in channels:
        subscription = await store.subscribe(
            1,
            channel,
            local_time=f"{DUE:%H:%M}",
            timezone="UTC",
            now=now - timedelta(days=1),
        )
        ids.append(subscription.id)
    return store, ids


async def row_status(store: Store, subscription_id: int, day: date) -> str | None:
    row = await store.delivery(subscription_id, day)
    return row.status if row else None


async def test_killed_between_claim_and_mark_posts_once_after_restart(
    fake, archive, tmp_path, today
):
    channel = 1_100_000_000_000_000_900
    store, [subscription_id] = await seeded_store(tmp_path, [channel])
    fake.hold_messages = True
    process = await start_bot(fake, tmp_path, archive, **SHORT_LEASE)
    try:
        await eventually(lambda: bool(fake.channel_messages(channel)), timeout=60)
    finally:
        process.kill()  # SIGKILL: no clean-up, no "sent" mark
        await process.wait()
    assert await row_status(store, subscription_id, today) == DeliveryStatus.CLAIMED

    fake.hold_messages = False
    try:
        async with running_bot(fake, tmp_path, archive, **SHORT_LEASE):
            await eventually(
                lambda: _is(row_status(store, subscription_id, today), DeliveryStatus.SENT),
                timeout=60,
            )
            [message] = fake.channel_messages(channel)
            row = await store.delivery(subscription_id, today)
            assert (row.attempts, row.message_id) == (2, int(message["id"]))
            posts = [r for r in fake.requests if r.path == f"/channels/{channel}/messages"]
            assert [p.body["nonce"] for p in posts] == [row.nonce, row.nonce]
            assert all(p.body["allowed_mentions"] == {"parse": []} for p in posts)
            assert message["content"].startswith("**On this day,")
            assert [e["title"] for e in message["embeds"]] == [
                "1 year ago · " + str(today.year - 1),
                "3 years ago · " + str(today.year - 3),
            ]
    finally:
        await store.close()


async def test_discord_errors_pause_or_retry_and_every_attempt_is_logged(
    fake, archive, tmp_path, today
):
    forbidden, deleted, busy, limited = (1_100_000_000_000_000_910 + n for n in range(4))
    store, ids = await seeded_store(tmp_path, [forbidden, deleted, busy, limited])
    fake.failures = {
        str(forbidden): [403],
        str(deleted): [404],
        str(busy): [503],
        str(limited): [429],
    }
    try:
        async with running_bot(fake, tmp_path, archive):
            for subscription_id in ids:
                await eventually(
                    lambda s=subscription_id: _settled(row_status(store, s, today)), timeout=60
                )
            by_channel = {s.channel_id: s for s in await store.subscriptions()}
            assert by_channel[forbidden].state == SubscriptionState.PAUSED
            assert "Missing Permissions" in by_channel[forbidden].last_error
            assert by_channel[deleted].state == SubscriptionState.PAUSED
            assert by_channel[deleted].last_error == "the channel no longer exists"
            assert by_channel[busy].state != SubscriptionState.PAUSED
            assert "503" in by_channel[busy].last_error
            busy_row = await store.delivery(by_channel[busy].id, today)
            assert (busy_row.status, busy_row.attempts) == (
                DeliveryStatus.FAILED,
                1,
            )  # retried later today
            # discord.py waits out a 429 itself: delivered on the same attempt.
            limited_row = await store.delivery(by_channel[limited].id, today)
            assert (limited_row.status, limited_row.attempts) == (DeliveryStatus.SENT, 1)
            assert len(fake.channel_messages(limited)) == 1
            assert fake.channel_messages(forbidden) == fake.channel_messages(deleted) == []
    finally:
        await store.close()


async def test_every_request_discord_counts_keeps_to_the_budget(fake, archive, tmp_path, today):
    """A start-up catch-up of 8 digests with a budget of 2 requests a second, the first
    post answered 429 once: no second at the fake holds more than 2 of the requests
    Discord counts (logging in, the gateway, the commands' sync, every post and the
    retry), and each digest is posted once."""
    channels = [1_100_000_000_000_000_920 + n for n in range(8)]
    store, ids = await seeded_store(tmp_path, channels)
    fake.failures = {str(channels[0]): [429]}
    try:
        async with running_bot(fake, tmp_path, archive, DATELINE_DIGEST__SENDS_PER_SECOND="2"):
            for subscription_id in ids:
                await eventually(
                    lambda s=subscription_id: _is(row_status(store, s, today), DeliveryStatus.SENT),
                    timeout=60,
                )
    finally:
        await store.close()
    assert [len(fake.channel_messages(channel)) for channel in channels] == [1] * 8
    assert len(fake.message_posts()) == 9
    counted = [r.at for r in fake.requests if not r.path.startswith(UNCOUNTED)]
    assert busiest_second(counted) <= 2


async def _is(awaitable, expected) -> bool:
    return await awaitable == expected


async def _settled(awaitable) -> bool:
    return await awaitable in (DeliveryStatus.SENT, DeliveryStatus.FAILED)


async def test_a_store_that_cannot_be_opened_stops_start_up_with_one_line(fake, archive, tmp_path):
    process = await start_bot(
        fake,
        tmp_path,
        archive,
        DATELINE_STORE__URL="postgresql+asyncpg://nobody@127.0.0.1:9/nowhere",
    )
    assert await process.wait() == 2
    lines = (tmp_path / "bot.log").read_text(encoding="utf-8").strip().splitlines()
    assert lines[-1].startswith("dateline: store.url: cannot open the store:")
    assert "Traceback" not in "\n".join(lines)
