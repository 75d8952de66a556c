"""Posting one day's digest exactly once: claim the row, send with a nonce, mark it sent.

The order is what makes it safe. The (subscription, local date) row is claimed
before anything is sent, so a second firing (a DST fall-back, a send-now, a
catch-up) finds it taken. The message goes out with a deterministic nonce, so
if the process dies after Discord accepted it but before the row says SENT,
the resend at start-up returns the same message instead of a duplicate.
Every attempt is counted in the row; nothing is lost.

With several processes a claim is held, not just taken: it names this
process and a lease that is renewed while the post waits and goes out; only an
expired lease may be taken over, and every outcome is written as a
compare-and-set on the claim still being ours, so a process that stalled past
its lease cannot overwrite the outcome of the one that took over.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

from bot.clock import Clock
from bot.digest.plan import Digest, DigestOptions, EmptyPolicy, plan_digest
from bot.digest.timing import delivery_nonce
from bot.snapshot import ArchiveHolder
from bot.store import Delivery, Store, Subscription
from bot.store.models import Claimant, DeliveryStatus

log = logging.getLogger(__name__)

# Digests in flight at once, here and in the scheduler. A bound on open database
# work and memory, not on Discord: the poster paces the sends themselves.
CONCURRENCY = 50


class DeliveryFailed(Exception):
    """Raised by a :class:`Poster`. ``permanent`` (403, 404) pauses the subscription."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Poster(Protocol):
    """Sends a digest to a channel and returns the message id (the Discord glue implements it)."""

    async def post(self, channel_id: int, digest: Digest, nonce: str) -> int: ...


class Result(StrEnum):
    """What one attempt to deliver a day's digest came to."""

    SENT = "sent"
    SKIPPED = "skipped"  # nothing in the archive for the day
    TAKEN = "taken"  # already sent, skipped or in flight elsewhere: ``delivery`` says which
    RETRY = "retry"  # a transient failure; the scheduler tries again later in the day
    PAUSED = "paused"  # a permanent failure; the subscription waits for /digest resume


@dataclass(frozen=True)
class Outcome:
    status: Result
    delivery: Delivery | None = None
    reason: str | None = None


def options_for(subscription: Subscription, empty: EmptyPolicy) -> DigestOptions:
    return DigestOptions(
        min_items=subscription.min_items,
        max_items=subscription.max_items,
        sources=subscription.source_list,
        empty=empty,
    )


class Deliverer:
    def __init__(
        self,
        store: Store,
        archive: ArchiveHolder,
        poster: Poster,
        clock: Clock,
        claimant: Claimant,
        *,
        empty: EmptyPolicy = "skip",
        concurrency: int = CONCURRENCY,
    ) -> None:
        self.store = store
        self.archive = archive  # the holder, read at each delivery: a reload replaces the archive
        self.poster = poster
        self.clock = clock
        self.claimant = claimant
        self.empty: EmptyPolicy = empty
        self._slots = asyncio.Semaphore(concurrency)

    def plan(self, subscription: Subscription | None, local_date: date) -> Digest | None:
        """What would be posted; without a subscription, with the default options."""
        options = (
            DigestOptions(empty=self.empty)
            if subscription is None
            else options_for(subscription, self.empty)
        )
        return plan_digest(self.archive.current.calendar, local_date, options)

    async def deliver(self, subscription: Subscription, local_date: date) -> Outcome:
        """Post ``local_date``'s digest unless that day is already sent, skipped or in flight."""
        async with self._slots:
            digest = self.plan(subscription, local_date)
            nonce = delivery_nonce(subscription.id, local_date)
            if digest is None:
                reason = "nothing in the archive for this day"
                await self.store.record(
                    subscription.id,
                    local_date,
                    DeliveryStatus.SKIPPED,
                    nonce=nonce,
                    now=self.clock(),
                    reason=reason,
                )
                return Outcome(Result.SKIPPED, reason=reason)
            claimed = await self.store.claim(
                subscription.id, local_date, nonce, self.clock(), self.claimant
            )
            if claimed is None:
                return Outcome(Result.TAKEN, await self.store.delivery(subscription.id, local_date))
            return await self._send(subscription, claimed, digest)

    async def resend(self, subscription: Subscription, stale: Delivery) -> Outcome:
        """Finish a delivery whose owner stopped renewing its lease, with its original nonce."""
        async with self._slots:
            claimed = await self.store.take_over(stale.id, self.claimant, self.clock())
            if claimed is None:
                return Outcome(Result.TAKEN, stale)
            digest = self.plan(subscription, stale.local_date)
            if digest is None:  # the archive changed under the crash; nothing to finish
                await self._settle(claimed, DeliveryStatus.SKIPPED, "nothing to post")
                return Outcome(Result.SKIPPED)
            return await self._send(subscription, claimed, digest)

    async def _settle(self, claimed: Delivery, status: DeliveryStatus, reason: str | None) -> bool:
        """Record our claim's outcome unless the claim stopped being ours."""
        settled = await self.store.mark(
            claimed.id,
            status,
            self.clock(),
            reason,
            expected=DeliveryStatus.CLAIMED,
            owner=self.claimant.owner,
        )
        if not settled:
            log.warning(
                "Digest delivery %s: another process took over the claim; its outcome stands",
                claimed.id,
            )
        return settled

    @contextlib.asynccontextmanager
    async def _leased(self, claimed: Delivery) -> AsyncIterator[None]:
        """Renew the claim's lease while the post waits for its turn and goes out."""

        async def renew() -> None:
            while True:
                await asyncio.sleep(self.claimant.lease.total_seconds() / 3)
                if not await self.store.renew(claimed.id, self.claimant, self.clock()):
                    return

        renewing = asyncio.create_task(renew())
        try:
            yield
        finally:
            renewing.cancel()

    async def _send(self, subscription: Subscription, claimed: Delivery, digest: Digest) -> Outcome:
        try:
            async with self._leased(claimed):
                message_id = await self.poster.post(subscription.channel_id, digest, claimed.nonce)
        except DeliveryFailed as failure:
            return await self._failed(subscription, claimed, failure)
        except Exception as error:  # a bug or a network fault: retry later, keep the row
            log.exception("Digest %s for %s failed", subscription.id, claimed.local_date)
            failure = DeliveryFailed(f"unexpected error: {error!r}", permanent=False)
            return await self._failed(subscription, claimed, failure)
        now = self.clock()
        if not await self.store.mark_sent(claimed.id, message_id, now, owner=self.claimant.owner):
            log.warning(
                "Digest %s for %s: posted, but another process took over the claim "
                "(the same nonce makes it one message)",
                subscription.id,
                claimed.local_date,
            )
            return Outcome(Result.TAKEN, claimed)
        if subscription.last_error:
            await self.store.note_error(subscription.id, None, now)
        log.info(
            "Posted digest %s for %s in channel %s (message %s)",
            subscription.id,
            claimed.local_date,
            subscription.channel_id,
            message_id,
        )
        return Outcome(Result.SENT, claimed)

    async def _failed(
        self, subscription: Subscription, claimed: Delivery, failure: DeliveryFailed
    ) -> Outcome:
        now = self.clock()
        if not await self._settle(claimed, DeliveryStatus.FAILED, failure.reason):
            return Outcome(Result.TAKEN, claimed)
        if failure.permanent:
            log.warning("Pausing digest %s: %s", subscription.id, failure.reason)
            await self.store.pause(subscription.id, failure.reason, now)
            return Outcome(Result.PAUSED, claimed, reason=failure.reason)
        log.warning("Digest %s will be retried: %s", subscription.id, failure.reason)
        await self.store.note_error(subscription.id, failure.reason, now)
        return Outcome(Result.RETRY, claimed, reason=failure.reason)
