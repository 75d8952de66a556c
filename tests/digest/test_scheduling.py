"""The real APScheduler, driven through time with time-machine: zones, DST, catch-up, retries.

The poster here is a recorder (the Discord side of delivery is covered through
SimCord and the loopback fake); everything else is the production code path:
store on SQLite, ``Deliverer``, ``DigestScheduler`` and its cron triggers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from apscheduler.events import EVENT_JOB_EXECUTED

from bot.archive.model import Article
from bot.clock import utc_now
from bot.cluster.topology import Topology
from bot.digest.delivery import Deliverer, DeliveryFailed
from bot.digest.plan import Digest
from bot.digest.schedule import DigestScheduler
from bot.snapshot import ArchiveHolder, ArchiveSnapshot
from bot.store import Store
from bot.store.models import Claimant, DeliveryStatus

LEASE = timedelta(seconds=60)
CRASHED = Claimant("crashed-host:1", LEASE)  # a process that died holding a claim
# The maintenance loop sleeps in real time, which time-machine does not move: a
# round must not start in the middle of a test because the machine is slow.
NEVER = timedelta(days=3650)
HANG = timedelta(minutes=5)  # a job still running after this never ends


def every_day_of(year: int) -> ArchiveSnapshot:
    start = datetime(year, 1, 1, 12, tzinfo=UTC)
    return ArchiveSnapshot.of_articles(
        [
            Article(f"s{n}", start + timedelta(days=n), "Wire", f"Story {n}", "Body.")
            for n in range(366)
        ]
    )


@dataclass
class RecordingPoster:
    posts: list[tuple[int, date, str, datetime]] = field(default_factory=list)
    failures: list[DeliveryFailed] = field(default_factory=list)

    async def post(self, channel_id: int, digest: Digest, nonce: str) -> int:
        if self.failures:
            raise self.failures.pop(0)
        self.posts.append((channel_id, digest.requested, nonce, utc_now()))
        return 1000 + len(self.posts)


@dataclass
class Harness:
    store: Store
    poster: RecordingPoster
    scheduler: DigestScheduler
    traveller: time_machine.Coordinates
    firings: list[datetime] = field(default_factory=list)

    async def subscribe(
        self, channel_id: int, local_time: str, zone: str, *, guild_id: int = 1, **options
    ):
        return await self.store.subscribe(
            guild_id, channel_id, local_time=local_time, timezone=zone, now=utc_now(), **options
        )

    async def start(self) -> None:
        await self.scheduler.start()
        self.scheduler.scheduler.add_listener(
            lambda event: self.firings.append(event.scheduled_run_time), EVENT_JOB_EXECUTED
        )

    async def advance_to(self, target: datetime) -> None:
        """Jump from one due job to the next until ``target``, letting each job run."""
        while True:
            due = [j.next_run_time for j in self.scheduler.scheduler.get_jobs() if j.next_run_time]
            if not due or min(due) > target:
                break
            self.traveller.move_to(min(due))
            self.scheduler.scheduler.wakeup()
            await settle()
        self.traveller.move_to(target)


async def settle() -> None:
    """Let the jobs APScheduler just started run to completion, however long they take.

    ``wakeup()`` starts them on the loop's next turn, so one turn is taken
    first; then every task but the maintenance loop is awaited until none is
    left (a job may start others). Nothing here is timed: a job slowed by a
    loaded machine (SQLite commits wait on the disk) is waited for, not
    failed. ``HANG`` only turns a job that never ends into a failure.
    """
    await asyncio.sleep(0)
    current = asyncio.current_task()
    async with asyncio.timeout(HANG.total_seconds()):
        while running := [
            t
            for t in asyncio.all_tasks()
            if not t.done() and t is not current and t.get_name() != "digest-maintenance"
        ]:
            await asyncio.wait(running)


@pytest.fixture
def start_at():
    return datetime(2026, 6, 1, 0, 0, tzinfo=UTC)


@pytest.fixture
def topology():
    return Topology()


@pytest.fixture
async def harness(tmp_path, start_at, topology):
    with time_machine.travel(start_at, tick=False) as traveller:
        store = Store.open(f"sqlite+aiosqlite:///{tmp_path / 'store.sqlite3'}")
        await store.start()
        poster = RecordingPoster()
        archive = every_day_of(2020)
        me = Claimant("this-host:2", LEASE)
        holder = ArchiveHolder(archive, load=lambda _current: archive)
        deliverer = Deliverer(store, holder, poster, utc_now, me)
        scheduler = DigestScheduler(
            store,
            deliverer,
            utc_now,
            catch_up=timedelta(hours=6),
            misfire_grace=timedelta(minutes=5),
            topology=topology,
            repair_every=NEVER,
            reconcile_every=NEVER,
        )
        yield Harness(store, poster, scheduler, traveller)
        await scheduler.stop()
        await store.close()


async def test_each_zone_gets_its_digest_at_its_local_time_exactly_once(harness):
    zones = {
        "Europe/Berlin": datetime(2026, 6, 1, 7, 0, tzinfo=UTC),  # CEST, UTC+2
        "America/New_York": datetime(2026, 6, 1, 13, 0, tzinfo=UTC),  # EDT, UTC-4
        "Asia/Kolkata": datetime(2026, 6, 1, 3, 30, tzinfo=UTC),  # UTC+5:30
        "Asia/Baghdad": datetime(2026, 6, 1, 6, 0, tzinfo=UTC),  # UTC+3
    }
    for channel, zone in enumerate(zones, start=1):
        await harness.subscribe(channel, "09:00", zone)
    await harness.start()
    await harness.advance_to(datetime(2026, 6, 1, 23, 59, tzinfo=UTC))
    posted = {channel: (day, at) for channel, day, _nonce, at in harness.poster.posts}
    assert len(harness.poster.posts) == 4
    for channel, expected in enumerate(zones.values(), start=1):
        assert posted[channel] == (date(2026, 6, 1), expected)


@pytest.mark.parametrize(
    ("zone", "local_time", "start_at", "firings", "local_day"),
    [
        # Fall back: APScheduler 3.11 fires 02:30 twice (00:30 and 01:30 UTC); one post.
        (
            "Europe/Berlin",
            "02:30",
            datetime(2026, 10, 24, 22, 0, tzinfo=UTC),
            2,
            date(2026, 10, 25),
        ),
        # Spring forward: 02:30 does not exist; it fires once, at 01:30 UTC.
        ("Europe/Berlin", "02:30", datetime(2026, 3, 28, 22, 0, tzinfo=UTC), 1, date(2026, 3, 29)),
        (
            "America/New_York",
            "01:30",
            datetime(2026, 11, 1, 4, 0, tzinfo=UTC),
            None,
            date(2026, 11, 1),
        ),
        ("America/New_York", "02:30", datetime(2026, 3, 8, 5, 0, tzinfo=UTC), 1, date(2026, 3, 8)),
    ],
)
async def test_dst_days_post_once(harness, zone, local_time, start_at, firings, local_day):
    subscription = await harness.subscribe(1, local_time, zone)
    await harness.start()
    await harness.advance_to(start_at + timedelta(hours=23, minutes=59))
    if firings is not None:
        assert len(harness.firings) == firings
    assert [(day, nonce) for _c, day, nonce, _at in harness.poster.posts] == [
        (local_day, f"dl{subscription.id}d{local_day:%Y%m%d}")
    ]
    row = await harness.store.delivery(subscription.id, local_day)
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 1)


@pytest.mark.parametrize("start_at", [datetime(2026, 6, 4, 12, 0, tzinfo=UTC)])
async def test_catch_up_posts_today_if_recent_and_records_older_days_missed(harness, start_at):
    harness.traveller.move_to(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    recent = await harness.subscribe(1, "09:00", "UTC")  # 3 h late at start: posted
    stale = await harness.subscribe(2, "05:30", "UTC")  # 6.5 h late at start: missed
    harness.traveller.move_to(start_at)  # Dateline was down from before 09:00 on 1 June
    await harness.start()
    assert [(c, day) for c, day, _n, _at in harness.poster.posts] == [(1, date(2026, 6, 4))]
    for subscription in (recent, stale):
        statuses = {d.local_date: d.status for d in await harness.store.deliveries(subscription.id)}
        assert statuses[date(2026, 6, 2)] == statuses[date(2026, 6, 3)] == DeliveryStatus.MISSED
    # 05:30 on 1 June came before the subscription existed: nothing to miss.
    assert await harness.store.delivery(stale.id, date(2026, 6, 1)) is None
    assert (
        await harness.store.delivery(recent.id, date(2026, 6, 1))
    ).status == DeliveryStatus.MISSED
    assert (
        await harness.store.delivery(stale.id, date(2026, 6, 4))
    ).status == DeliveryStatus.MISSED
    assert (await harness.store.delivery(recent.id, date(2026, 6, 4))).status == DeliveryStatus.SENT
    assert counted(harness, "missed") == 6 and counted(harness, "sent") == 1


def counted(harness, outcome: str) -> float:
    """The operator's metric of digests by outcome, as /metrics would show it."""
    registry = harness.scheduler.metrics.registry
    return registry.get_sample_value("dateline_digests_total", {"outcome": outcome}) or 0.0


async def claimed_by_a_crash(harness: Harness):
    """A 09:00 UTC subscription whose 1 June digest a process claimed at 09:00, then died."""
    subscription = await harness.subscribe(1, "09:00", "UTC")
    harness.traveller.move_to(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    await harness.store.claim(subscription.id, date(2026, 6, 1), "dl1d20260601", utc_now(), CRASHED)
    return subscription


async def test_a_claim_left_by_a_crash_is_finished_with_its_nonce(harness):
    subscription = await claimed_by_a_crash(harness)
    # ... the process dies here; it comes back 20 minutes later.
    harness.traveller.move_to(datetime(2026, 6, 1, 9, 20, tzinfo=UTC))
    await harness.start()
    assert [(day, nonce) for _c, day, nonce, _at in harness.poster.posts] == [
        (date(2026, 6, 1), "dl1d20260601")
    ]
    row = await harness.store.delivery(subscription.id, date(2026, 6, 1))
    assert (row.status, row.attempts, row.message_id) == (DeliveryStatus.SENT, 2, 1001)
    await harness.advance_to(datetime(2026, 6, 1, 23, 0, tzinfo=UTC))
    assert len(harness.poster.posts) == 1


async def test_a_claim_too_old_to_resend_is_recorded_missed(harness):
    subscription = await claimed_by_a_crash(harness)
    harness.traveller.move_to(datetime(2026, 6, 1, 20, 0, tzinfo=UTC))
    await harness.start()
    assert harness.poster.posts == []
    row = await harness.store.delivery(subscription.id, date(2026, 6, 1))
    assert row.status == DeliveryStatus.MISSED
    assert await harness.store.expired_claims(utc_now()) == []


async def test_a_claim_another_live_process_holds_is_left_to_it_at_start(harness):
    subscription = await harness.subscribe(1, "09:00", "UTC")
    harness.traveller.move_to(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))
    alive = Claimant("busy-host:3", timedelta(minutes=10))  # still posting, renewing
    await harness.store.claim(subscription.id, date(2026, 6, 1), "dl1d20260601", utc_now(), alive)
    harness.traveller.move_to(datetime(2026, 6, 1, 9, 2, tzinfo=UTC))
    await harness.start()
    assert harness.poster.posts == []
    row = await harness.store.delivery(subscription.id, date(2026, 6, 1))
    assert (row.status, row.owner, row.attempts) == (DeliveryStatus.CLAIMED, alive.owner, 1)


async def change_behind_the_jobs_back(harness, subscription, local_time: str) -> None:
    """As another process (or an operator's SQL) would: the store changes, the job does not."""
    await harness.store.subscribe(
        subscription.guild_id,
        subscription.channel_id,
        local_time=local_time,
        timezone=subscription.timezone,
        now=utc_now(),
    )


@pytest.mark.parametrize("start_at", [datetime(2026, 6, 1, 10, 0, tzinfo=UTC)])
async def test_a_stale_job_moved_later_posts_nothing_at_the_old_time(harness, start_at):
    subscription = await harness.subscribe(1, "09:00", "UTC")  # after 1 June's 09:00
    await harness.start()
    harness.traveller.move_to(datetime(2026, 6, 2, 8, 0, tzinfo=UTC))
    await change_behind_the_jobs_back(harness, subscription, "11:00")
    await harness.advance_to(datetime(2026, 6, 2, 10, 0, tzinfo=UTC))
    assert harness.poster.posts == []  # not 1 June's digest, never due under either schedule
    await harness.advance_to(datetime(2026, 6, 2, 23, 0, tzinfo=UTC))
    assert [(day, at) for _c, day, _n, at in harness.poster.posts] == [
        (date(2026, 6, 2), datetime(2026, 6, 2, 11, 0, tzinfo=UTC))
    ]


async def test_a_stale_job_moved_earlier_posts_nothing_until_the_new_time(harness):
    subscription = await harness.subscribe(1, "09:00", "UTC")
    await harness.start()
    harness.traveller.move_to(datetime(2026, 6, 1, 8, 30, tzinfo=UTC))
    await change_behind_the_jobs_back(harness, subscription, "08:00")  # "next post: tomorrow"
    await harness.advance_to(datetime(2026, 6, 2, 12, 0, tzinfo=UTC))
    assert [(day, at) for _c, day, _n, at in harness.poster.posts] == [
        (date(2026, 6, 2), datetime(2026, 6, 2, 8, 0, tzinfo=UTC))
    ]


async def test_reconciling_picks_up_changes_made_only_in_the_store(harness):
    kept = await harness.subscribe(1, "09:00", "UTC")
    moved = await harness.subscribe(2, "09:00", "UTC")
    gone = await harness.subscribe(3, "09:00", "UTC")
    await harness.start()
    await change_behind_the_jobs_back(harness, moved, "10:00")
    added = await harness.subscribe(4, "12:00", "UTC")
    await harness.store.unsubscribe(gone.guild_id, gone.channel_id)
    assert await harness.scheduler.rebuild() == {"added": 1, "changed": 1, "removed": 1}
    assert await harness.scheduler.rebuild() == {"added": 0, "changed": 0, "removed": 0}
    await harness.advance_to(datetime(2026, 6, 1, 23, 0, tzinfo=UTC))
    posted = {c: at.hour for c, _day, _n, at in harness.poster.posts}
    assert posted == {kept.channel_id: 9, moved.channel_id: 10, added.channel_id: 12}


def guild_on_shard(shard: int, shard_count: int = 2) -> int:
    return ((1000 * shard_count + shard) << 22) | 777


@pytest.mark.parametrize("topology", [Topology(2, (1,), 1, 2)])
async def test_a_process_schedules_repairs_and_catches_up_only_its_own_guilds(harness):
    harness.traveller.move_to(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    mine = await harness.subscribe(1, "09:00", "UTC", guild_id=guild_on_shard(1))
    theirs = await harness.subscribe(2, "09:00", "UTC", guild_id=guild_on_shard(0))
    for subscription in (mine, theirs):  # both interrupted by crashes on 1 June
        day = date(2026, 6, 1)
        await harness.store.claim(subscription.id, day, f"dl{subscription.id}", utc_now(), CRASHED)
    harness.traveller.move_to(datetime(2026, 6, 2, 10, 0, tzinfo=UTC))
    await harness.start()
    await harness.advance_to(datetime(2026, 6, 3, 10, 0, tzinfo=UTC))
    assert {c for c, _day, _n, _at in harness.poster.posts} == {mine.channel_id}
    theirs_rows = await harness.store.deliveries(theirs.id)
    assert [(d.local_date, d.status) for d in theirs_rows] == [
        (date(2026, 6, 1), DeliveryStatus.CLAIMED)
    ]
    assert [j.id for j in harness.scheduler.scheduler.get_jobs() if "digest" in j.id] == [
        f"digest-{mine.id}"
    ]


async def test_transient_failures_retry_with_backoff_within_the_day(harness):
    subscription = await harness.subscribe(1, "09:00", "UTC")
    harness.poster.failures = [
        DeliveryFailed("Discord answered 503; retrying later", permanent=False),
        DeliveryFailed("Discord answered 429; retrying later", permanent=False),
    ]
    await harness.start()
    await harness.advance_to(datetime(2026, 6, 1, 9, 0, 30, tzinfo=UTC))
    row = await harness.store.delivery(subscription.id, date(2026, 6, 1))
    assert (row.status, row.attempts, row.last_error) == (
        DeliveryStatus.FAILED,
        1,
        "Discord answered 503; retrying later",
    )
    assert "503" in (await harness.store.subscription(subscription.id)).last_error
    await harness.advance_to(datetime(2026, 6, 1, 10, 0, tzinfo=UTC))
    [(_c, _day, _nonce, posted_at)] = harness.poster.posts
    assert posted_at == datetime(2026, 6, 1, 9, 6, tzinfo=UTC)  # +1 min, then +5 min
    row = await harness.store.delivery(subscription.id, date(2026, 6, 1))
    assert (row.status, row.attempts) == (DeliveryStatus.SENT, 3)
    assert (await harness.store.subscription(subscription.id)).last_error is None
    assert (counted(harness, "failed"), counted(harness, "sent")) == (2, 1)
    retries = harness.scheduler.metrics.registry.get_sample_value("dateline_digest_retries_total")
    assert retries == 2


async def test_permanent_failure_pauses_and_stops_the_job(harness):
    subscription = await harness.subscribe(1, "09:00", "UTC")
    harness.poster.failures = [DeliveryFailed("the channel no longer exists", permanent=True)]
    await harness.start()
    await harness.advance_to(datetime(2026, 6, 3, 23, 0, tzinfo=UTC))
    assert harness.poster.posts == []
    paused = await harness.store.subscription(subscription.id)
    assert (paused.state, paused.last_error) == ("paused", "the channel no longer exists")
    assert len(await harness.store.deliveries(subscription.id)) == 1
    assert counted(harness, "paused") == 1


async def test_a_due_time_whose_firing_was_lost_is_posted_by_the_next_reconciliation(harness):
    subscription = await harness.subscribe(1, "09:00", "UTC")
    await harness.start()
    # The 09:00 firing is lost (say the database refused a connection): no job runs it.
    harness.scheduler.scheduler.remove_job(f"digest-{subscription.id}")
    harness.traveller.move_to(datetime(2026, 6, 1, 9, 3, tzinfo=UTC))
    await harness.scheduler.maintain_once(reconcile=False)  # repair alone posts nothing
    assert harness.poster.posts == []
    await harness.scheduler.maintain_once(reconcile=True)
    assert [(day, at) for _c, day, _n, at in harness.poster.posts] == [
        (date(2026, 6, 1), datetime(2026, 6, 1, 9, 3, tzinfo=UTC))
    ]
    await harness.scheduler.maintain_once(reconcile=True)  # and only once
    await harness.advance_to(datetime(2026, 6, 1, 23, 0, tzinfo=UTC))
    assert len(harness.poster.posts) == 1


async def test_reconciling_deletes_the_button_states_that_expired(harness):
    now = utc_now()
    await harness.store.keep_state("old", "a search", now - timedelta(seconds=1))
    await harness.store.keep_state("live", "another", now + timedelta(days=1))
    await harness.start()
    await harness.scheduler.maintain_once(reconcile=False)
    assert await harness.store.kept_state("old", now - timedelta(days=1)) == "a search"
    await harness.scheduler.maintain_once(reconcile=True)
    assert await harness.store.kept_state("old", now - timedelta(days=1)) is None
    assert await harness.store.kept_state("live", now) == "another"
