"""Digest posts evenly spaced, so a cluster's busiest second stays within its budget.

Discord's global limit (50 requests/s per bot token) is counted over the whole
cluster, so what matters is the busiest second of all processes together, not
each one's average. A limit of n a second allows n requests in any second
``[t, t + 1)``; posts let out at least ``1/n`` seconds apart never put more than
n in one, whatever the phase, so each process paces at its whole-number share
and the shares of a cluster's processes add up to at most
``digest.sends_per_second``. (A bucket that lets a burst out after a quiet spell
would have to count the burst in the budget: a burst of two cost two posts a
second of every process's share.) ``sends_per_second`` stays a little below
Discord's 50 because a post reaches Discord a few milliseconds after it is let
out, not always the same few.

Waiting is a plain :func:`asyncio.sleep`, so tests on a virtual clock see an
ordinary timed wait.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable


def spacing_rate(budget: float) -> float:
    """Posts a second for a process whose busiest second may hold ``budget`` posts.

    A whole number of posts fits in a second: 23.5 a second allows 23. A share
    under one a second cannot be kept by spacing (one post is already more);
    such clusters are too large to pace locally and put a REST proxy in front
    (docs/cluster.md).
    """
    return float(math.floor(budget)) if budget >= 1 else budget


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
        # A microsecond more, so that clock readings rounded in floating point
        # never put two posts a hair under the spacing apart.
        self.interval = 1 / rate + 1e-6
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
