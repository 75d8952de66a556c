"""Digest posts evenly spaced, so a cluster's busiest second stays within its budget.

Discord's global limit (50 requests/s per bot token) is counted over the whole
cluster, so what matters is the busiest second of all processes together, not
each one's average. Posts let out at least ``1/rate`` seconds apart put at
most ``rate + 1`` in any one-second window, whatever the phase, so a process paced at
``budget - 1`` never exceeds its budget, and the budgets of a cluster's processes
add up to ``digest.sends_per_second``. A bucket that lets a burst out after a
quiet spell would have to count the burst in the budget, and a burst of two cost
two posts a second of every process's share; spacing from the first post costs one.

Waiting is a plain :func:`asyncio.sleep`, so tests on a virtual clock see an
ordinary timed wait.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable


def spacing_rate(budget: float) -> float:
    """Posts a second for a process whose busiest second may hold ``budget`` posts.

    Below two a second, spacing at half the budget keeps the promise for the
    half-open windows Discord counts; such small shares belong to clusters too
    large to pace locally, which put a REST proxy in front (docs/cluster.md).
    """
    return max(budget - 1, budget / 2)


class EvenPacer:
    """Admits one post at a time, each at least ``1 / rate`` seconds after the one before.

    The spacing is measured between the moments posts are actually let out, not
    planned ahead: when the event loop stalls (a busy process, a long garbage
    collection), the posts that waited are still let out one spacing apart after
    it, never together. Posts go in the order they ask; one cancelled while it
    waits gives its turn up.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be above 0, not {rate}")
        self.interval = 1 / rate
        self._clock = clock
        self._sleep = sleep
        self._turn = asyncio.Lock()  # fair: waiters are woken in the order they came
        self._last = -math.inf

    def _now(self) -> float:
        return self._clock() if self._clock is not None else asyncio.get_running_loop().time()

    async def wait(self) -> None:
        """Return when this post may go: a spacing after the last post let out, or now."""
        async with self._turn:
            due = self._last + self.interval
            if due > self._now():
                await self._sleep(due - self._now())
            self._last = self._now()
