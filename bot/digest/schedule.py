"""Running digests on time: APScheduler jobs rebuilt from the store, plus start-up repair.

One ``CronTrigger`` per subscription, in the subscription's own ``ZoneInfo``,
with ``coalesce=True`` and an explicit misfire grace. Jobs are not persisted:
the store is the truth and the jobs are rebuilt from it at every start, every
announced subscription change and every periodic reconciliation. A job is only
a reminder: when it fires it re-reads its subscription and posts only what the
subscription's current schedule says is due now, so a stale job does nothing.

In a cluster a process schedules, repairs and posts only the subscriptions of
guilds on its own shards (:class:`~bot.cluster.topology.Topology`); the
delivery claim stays the last line of defence when two processes both believe
they own a guild (a rolling restart, a reshard). At start-up, once the jobs
are scheduled:

1. deliveries left CLAIMED by a process that stopped renewing their lease are
   finished with their original nonce (or recorded MISSED when they are older
   than ``digest.catch_up``);
2. each active subscription's recent due times are checked: one missed by
   less than ``catch_up`` is posted now, older ones are recorded MISSED.

Transient failures (429, 5xx, network) are retried with backoff until the
local day ends; every attempt is counted in the delivery row.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import date, datetime, timedelta
from typing import Any, TypeVar, assert_never

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock
from bot.cluster.topology import Topology
from bot.digest.delivery import CONCURRENCY, Deliverer, Outcome, Result
from bot.digest.timing import (
    delivery_nonce,
    due_at,
    latest_due,
    latest_due_date,
    next_run,
    trigger,
)
from bot.observe.metrics import DigestOutcome, Metrics
from bot.store import Delivery, Store, Subscription
from bot.store.models import DeliveryStatus

log = logging.getLogger(__name__)
T = TypeVar("T")

RETRY_DELAYS = (60, 300, 900, 1800, 3600)  # seconds; the last repeats until the day ends
LOOK_BACK_DAYS = 7  # how far back start-up records missed days
# A delivery's status as the operator's metrics count it ("taken": another firing has it).
_COUNTED = {
    Result.SENT: DigestOutcome.SENT,
    Result.SKIPPED: DigestOutcome.SKIPPED,
    Result.RETRY: DigestOutcome.FAILED,
    Result.PAUSED: DigestOutcome.PAUSED,
}


async def bounded_gather(coroutines: list[Coroutine[Any, Any, T]], limit: int) -> list[T]:
    semaphore = asyncio.Semaphore(limit)

    async def one(coroutine: Coroutine[Any, Any, T]) -> T:
        async with semaphore:
            return await coroutine

    return await asyncio.gather(*(one(c) for c in coroutines))


def look_back_start(now: datetime) -> date:
    """The earliest local date start-up repair looks at, in any zone."""
    return now.date() - timedelta(days=LOOK_BACK_DAYS + 2)


def _schedule_of(subscription: Subscription) -> tuple[str, str]:
    return subscription.local_time, subscription.timezone


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1])


class DigestScheduler:
    def __init__(  # noqa: PLR0913 - its collaborators and its three timings, by name
        self,
        store: Store,
        deliverer: Deliverer,
        clock: Clock,
        *,
        catch_up: timedelta,
        misfire_grace: timedelta,
        metrics: Metrics | None = None,
        topology: Topology | None = None,
        repair_every: timedelta = timedelta(minutes=1),
        reconcile_every: timedelta = timedelta(minutes=3),
    ) -> None:
        self.store = store
        self.metrics = metrics or Metrics()
        self.deliverer = deliverer
        self.clock = clock
        self.catch_up = catch_up
        self.misfire_grace = misfire_grace
        self.topology = topology or Topology()
        self.repair_every = repair_every
        self.reconcile_every = reconcile_every
        self._maintenance: asyncio.Task | None = None
        self.scheduler = AsyncIOScheduler()
        self._firing = asyncio.Semaphore(CONCURRENCY)
        # What each job was built from, so reconciling touches only what changed.
        self._scheduled: dict[int, tuple[str, str]] = {}

    # --- lifecycle ---

    async def start(self) -> None:
        """Jobs first, so nothing due during the repair is lost; then the repair.

        A due time that passes while recovery and catch-up run is posted by
        whichever gets there first; the claim makes sure only one does.
        """
        await self.rebuild()
        if not self.scheduler.running:
            self.scheduler.start()
        await self.recover()
        await self.catch_up_all()
        self._maintenance = asyncio.create_task(self._maintain(), name="digest-maintenance")

    async def stop(self) -> None:
        """Stop the jobs and the maintenance loop, awaiting it so no store work outlives us."""
        if self._maintenance is not None:
            self._maintenance.cancel()
            await asyncio.gather(self._maintenance, return_exceptions=True)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def _maintain(self) -> None:
        """Repair every ``repair_every`` (the claim lease), reconcile every ``reconcile_every``.

        A claim left by a process that died is finished about one lease after
        its owner stopped renewing it, whoever owns its guild now; a change
        made in the store behind Dateline's back reaches the jobs within
        ``reconcile_every``. Failures are logged and tried again next round.
        """
        loop = asyncio.get_running_loop()
        next_reconcile = loop.time() + self.reconcile_every.total_seconds()
        while True:
            await asyncio.sleep(self.repair_every.total_seconds())
            reconcile = loop.time() >= next_reconcile
            if reconcile:
                next_reconcile = loop.time() + self.reconcile_every.total_seconds()
            try:
                await self.maintain_once(reconcile=reconcile)
            except Exception:
                log.exception("Digest maintenance failed; trying again next round")

    async def maintain_once(self, *, reconcile: bool) -> None:
        """One round: finish expired claims; when reconciling, also match the jobs to the
        store and post any due time no job posted (a firing that hit a database error,
        a change found only now), within ``digest.catch_up`` as at start, and delete the
        button states that expired (the store's one other table that only grows)."""
        await self.recover()
        if reconcile:
            await self.rebuild()
            await self.catch_up_all()
            await self.store.forget_expired_states(self.clock())

    async def rebuild(self) -> dict[str, int]:
        """Make the jobs match the store's active subscriptions of owned guilds exactly.

        Run at start and periodically (``cluster.reconcile_every``): a change
        made in the store by anything but Dateline (an operator's SQL) is
        picked up here. Returns how many jobs were added, changed and removed.
        """
        subscriptions = await self.store.subscriptions(
            active_only=True, shards=self.topology.shards
        )
        wanted = {s.id: s for s in subscriptions}
        counts = {"added": 0, "changed": 0, "removed": 0}
        for subscription_id in set(self._scheduled) - set(wanted):
            self._unschedule(subscription_id)
            counts["removed"] += 1
        for subscription in wanted.values():
            known = self._scheduled.get(subscription.id)
            missing = self.scheduler.get_job(self._job_id(subscription.id)) is None
            if known != _schedule_of(subscription) or missing:
                self._schedule(subscription)
                counts["changed" if known else "added"] += 1
        log.info(
            "Digest jobs match the store: %d scheduled (%d added, %d changed, %d removed)",
            len(wanted),
            *counts.values(),
        )
        return counts

    async def reschedule(self, subscription_id: int) -> None:
        """Rebuild one subscription's job from the store after it changed (or went)."""
        subscription = await self.store.subscription(subscription_id)
        if subscription is not None and subscription.active and self._owns(subscription):
            self._schedule(subscription)
        else:
            self._unschedule(subscription_id)

    def _owns(self, subscription: Subscription) -> bool:
        return self.topology.owns(subscription.guild_id)

    async def resume(self, subscription_id: int) -> list[Outcome]:
        """Restart a paused subscription, and post a failed recent day if still in time."""
        await self.store.resume(subscription_id, self.clock())
        await self.reschedule(subscription_id)
        subscription = await self.store.subscription(subscription_id)
        return [] if subscription is None else await self.catch_up_one(subscription)

    def _schedule(self, subscription: Subscription) -> None:
        self.scheduler.add_job(
            self.fire,
            trigger(subscription.local_time, subscription.zone),
            args=[subscription.id],
            id=self._job_id(subscription.id),
            name=f"digest for channel {subscription.channel_id}",
            replace_existing=True,
            coalesce=True,
            misfire_grace_time=int(self.misfire_grace.total_seconds()),
            max_instances=3,  # a slow send must not make the next firing "skipped"
        )
        self._scheduled[subscription.id] = _schedule_of(subscription)

    def _unschedule(self, subscription_id: int) -> None:
        self._scheduled.pop(subscription_id, None)
        if self.scheduler.get_job(self._job_id(subscription_id)):
            self.scheduler.remove_job(self._job_id(subscription_id))

    @staticmethod
    def _job_id(subscription_id: int) -> str:
        return f"digest-{subscription_id}"

    def next_run(self, subscription: Subscription) -> datetime | None:
        if not subscription.active:
            return None
        return next_run(subscription.local_time, subscription.zone, self.clock())

    # --- running ---

    async def fire(self, subscription_id: int) -> Outcome | None:
        """The job body: post today's digest if the subscription, as it is now, is due now.

        The job may be stale (changed through another process, or in the
        store): it posts only when the current schedule's latest due time is
        within the misfire grace and came after that schedule was set;
        otherwise the job is rebuilt from the store and nothing is posted.
        """
        async with self._firing:  # thousands due at 09:00 queue here, not on the database
            subscription = await self.store.subscription(subscription_id)
            if subscription is None or not subscription.active or not self._owns(subscription):
                self._unschedule(subscription_id)
                return None
            now = self.clock()
            day, due = latest_due(now, subscription.local_time, subscription.zone)
            if now - due > self.misfire_grace or due < subscription.schedule_from:
                if self._scheduled.get(subscription.id) != _schedule_of(subscription):
                    log.info(
                        "Digest %s: its job was stale (now due at %s %s); rescheduled, not posted",
                        subscription.id,
                        subscription.local_time,
                        subscription.timezone,
                    )
                    self._schedule(subscription)
                return None
            return await self._deliver(subscription, day)

    async def send_now(self, subscription: Subscription) -> Outcome:
        """Today's digest, now; it counts as today's delivery."""
        today = self.clock().astimezone(subscription.zone).date()
        return await self._deliver(subscription, today)

    async def _deliver(self, subscription: Subscription, day: date) -> Outcome:
        outcome = self._count(await self.deliverer.deliver(subscription, day))
        match outcome.status:
            case Result.RETRY:
                assert outcome.delivery is not None  # a retry is of a claimed row
                self._schedule_retry(subscription, day, outcome.delivery.attempts)
            case Result.PAUSED:
                self._unschedule(subscription.id)
            case Result.SENT | Result.SKIPPED | Result.TAKEN:
                pass
            case unexpected:
                assert_never(unexpected)
        return outcome

    def _count(self, outcome: Outcome) -> Outcome:
        counted = _COUNTED.get(outcome.status)
        if counted is not None:
            self.metrics.digest(counted)
        return outcome

    def _schedule_retry(self, subscription: Subscription, day: date, attempts: int) -> None:
        at = self.clock() + retry_delay(attempts)
        day_ends = due_at(day + timedelta(days=1), "00:00", subscription.zone)
        if at >= day_ends:
            log.warning("Digest %s for %s: giving up for today", subscription.id, day)
            return
        self.scheduler.add_job(
            self._retry,
            DateTrigger(run_date=at),
            args=[subscription.id, day],
            id=f"retry-{subscription.id}-{day}",
            replace_existing=True,
            misfire_grace_time=None,
        )
        self.metrics.digest_retries.inc()

    async def _retry(self, subscription_id: int, day: date) -> None:
        subscription = await self.store.subscription(subscription_id)
        if subscription is not None and subscription.active and self._owns(subscription):
            await self._deliver(subscription, day)

    # --- start-up repair ---

    async def recover(self) -> None:
        """Finish or write off owned deliveries whose claim's lease expired (a crash).

        A claim whose owner is alive and renewing is left alone, even at start.
        """
        now = self.clock()
        for stale in await self.store.expired_claims(now, self.topology.shards):
            subscription = await self.store.subscription(stale.subscription_id)
            if subscription is None:
                continue
            late = now - due_at(stale.local_date, subscription.local_time, subscription.zone)
            if subscription.active and late <= self.catch_up:
                log.info(
                    "Finishing interrupted digest %s for %s", subscription.id, stale.local_date
                )
                self._count(await self.deliverer.resend(subscription, stale))
            else:
                reason = "interrupted, and too late to post when Dateline came back"
                missed = await self.store.mark(
                    stale.id,
                    DeliveryStatus.MISSED,
                    now,
                    reason,
                    expected=DeliveryStatus.CLAIMED,
                    owner=stale.owner,
                )
                if missed:
                    self.metrics.digest(DigestOutcome.MISSED)

    async def catch_up_all(self) -> None:
        """Every owned active subscription, concurrently (sends are paced by the poster)."""
        subscriptions = await self.store.subscriptions(
            active_only=True, shards=self.topology.shards
        )
        known = await self.store.deliveries_since(look_back_start(self.clock()))
        await bounded_gather([self.catch_up_one(s, known) for s in subscriptions], CONCURRENCY)

    async def catch_up_one(
        self,
        subscription: Subscription,
        known: dict[tuple[int, date], Delivery] | None = None,
    ) -> list[Outcome]:
        """Post a due time missed by less than ``catch_up``; record older ones as MISSED.

        ``known`` is the recent delivery log, read once for all subscriptions.
        """
        now = self.clock()
        if known is None:
            known = await self.store.deliveries_since(look_back_start(now), subscription.id)
        latest = latest_due_date(now, subscription.local_time, subscription.zone)
        outcomes = []
        for back in range(LOOK_BACK_DAYS, -1, -1):
            day = latest - timedelta(days=back)
            due = due_at(day, subscription.local_time, subscription.zone)
            row = known.get((subscription.id, day))
            if row is None and due < subscription.schedule_from:
                continue  # not due under the schedule as it was then (or none)
            if row is not None and row.status is not DeliveryStatus.FAILED:
                continue
            if now - due <= self.catch_up:
                outcomes.append(await self._deliver(subscription, day))
            elif row is None:
                await self.store.record(
                    subscription.id,
                    day,
                    DeliveryStatus.MISSED,
                    nonce=delivery_nonce(subscription.id, day),
                    now=now,
                    reason="Dateline was not running at the time",
                )
                self.metrics.digest(DigestOutcome.MISSED)
            else:
                missed = await self.store.mark(
                    row.id,
                    DeliveryStatus.MISSED,
                    now,
                    row.last_error,
                    expected=DeliveryStatus.FAILED,
                )
                if missed:
                    self.metrics.digest(DigestOutcome.MISSED)
        return outcomes
