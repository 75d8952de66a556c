"""Digest posts paced so that no second, as Discord counts it, holds more than a budget.

Discord's global limit (50 requests/s per bot token) counts requests in any second
``[t, t + 1)`` of their arrival at Discord, over the whole cluster. A process cannot
see that arrival, only that it comes after the post is let out and before its answer
is back. So a post holds one of the process's ``n`` places from the moment it is let
out until one second after its answer: the posts arriving in one second were all let
out before it ended and answered after it began, so when the last of them was let out
the others all held a place, and there are at most ``n``. That holds whatever the
network, the event loop or Discord did to each post's timing, and a cluster whose
processes' places add up to ``digest.sends_per_second`` stays within it in every
second. (Spacing posts ``1/n`` apart as they are let out, which came before, kept the
count as they left, not as they arrived: two processes of 24 reached 50 in a second at
the fake Discord, and a loaded single process 51, a 429.)

Posts are also let out at least ``1/n`` seconds apart, so a fan-out starts evenly
rather than as a burst of ``n``; after the first second the places set the pace: a
post's place comes free one second plus its round trip after it was let out, so a
fan-out runs at ``n / (1 + round trip)`` a second.

Waiting is a plain :func:`asyncio.sleep` (or, when every place is held by a post still
waiting for its answer, an event set as one is answered), so a post waits only for
time to pass or for another post to finish, and never blocks the event loop.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

# Discord's window, and a microsecond more so that clock readings rounded in floating
# point never let a place come free a hair early.
WINDOW = 1.0 + 1e-6


def places(budget: float) -> int:
    """Posts a process may have in one second when its busiest second may hold ``budget``.

    A whole number: 23.5 a second allows 23. A share under one a second cannot be
    kept (one post is already more); such clusters are too large to pace locally
    and put a REST proxy in front (docs/cluster.md), and get one place.
    """
    return max(1, math.floor(budget))


class BudgetPacer:
    """Lets posts out one at a time, in the order they ask, within ``budget`` a second.

    ``async with pacer.turn():`` around the request: the post is let out when the
    block is entered and its place is held until one second after the block exits
    (answered, failed or cancelled alike). A post cancelled while it waits gives
    its turn up.
    """

    def __init__(self, budget: float) -> None:
        if budget <= 0:
            raise ValueError(f"budget must be above 0, not {budget}")
        self.places = places(budget)
        # A microsecond more, as for the window.
        self.spacing = 1 / min(budget, self.places) + 1e-6
        self._turn = asyncio.Lock()  # fair: waiters are woken in the order they came
        self._last = -math.inf  # when the last post was let out
        self._in_flight = 0
        self._answered: deque[float] = deque()  # when recent posts finished, oldest first
        self._freed = asyncio.Event()  # set when a post in flight finishes

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for this post's turn, then hold its place while the caller sends it."""
        async with self._turn:
            await self._wait_for_place()
            self._in_flight += 1
            self._last = _now()
        try:
            yield
        finally:
            self._in_flight -= 1
            self._answered.append(_now())
            self._freed.set()

    async def _wait_for_place(self) -> None:
        """Return once the spacing has passed and a place is free (the caller holds the turn)."""
        while True:
            now = _now()
            while self._answered and self._answered[0] + WINDOW <= now:
                self._answered.popleft()
            if self._in_flight + len(self._answered) < self.places:
                if self._last + self.spacing <= now:
                    return
                await asyncio.sleep(self._last + self.spacing - now)
            elif self._answered:
                await asyncio.sleep(self._answered[0] + WINDOW - now)
            else:  # every place held by a post still waiting for its answer
                self._freed.clear()
                await self._freed.wait()


def _now() -> float:
    return asyncio.get_running_loop().time()
