"""Requests paced so that no second, as Discord counts it, holds more than a budget.

Discord's global limit (50 requests/s per bot token, interactions excepted) counts
requests in any second ``[t, t + 1)`` of their arrival at Discord, over the whole
cluster. A process cannot see that arrival, only that it comes after the request is
let out and before its answer is back. So a request holds one of the process's ``n``
places from the moment it is let out until one second after its answer: the requests
arriving in one second were all let out before it ended and answered after it began,
so when the last of them was let out the others all held a place, and there are at
most ``n``. That holds whatever the network, the event loop or Discord did to each
request's timing, and a cluster whose processes' places add up to
``digest.sends_per_second`` stays within it in every second. (Spacing posts ``1/n``
apart as they are let out, which came before, kept the count as they left, not as
they arrived: two processes of 24 reached 50 in a second at the fake Discord, and a
loaded single process 51, a 429.) ``bot.discord.budget`` holds a place for every
request the process sends that Discord counts, digest posts being nearly all of them.

Posts are also let out in slots ``1/n`` seconds apart, so a fan-out starts evenly
rather than as a burst of ``n``; after the first second the places set the pace: a
post's place comes free one second plus its round trip after it was let out, so a
fan-out runs at ``n / (1 + round trip)`` a second. (A post the event loop wakes a
little late keeps its slot, so two posts may leave less than ``1/n`` apart; ``k``
posts never take less than ``(k - 2) / n`` seconds. The spacing only smooths the
start: the bound on any second is the places'.)

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
        self._last = -math.inf  # the slot of the last post let out (see acquire)
        self._in_flight = 0
        self._answered: deque[float] = deque()  # when recent posts finished, oldest first
        self._freed = asyncio.Event()  # set when a post in flight finishes

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait for this post's turn, then hold its place while the caller sends it."""
        await self.acquire()
        try:
            yield
        finally:
            self.release()

    async def acquire(self) -> None:
        """Wait for this request's turn and take a place; :meth:`release` it once answered.

        For a caller that sees a request start and end in two places (an HTTP
        client's trace hooks); :meth:`turn` is the pair as one block.
        """
        async with self._turn:
            await self._wait_for_place()
            self._in_flight += 1
            # The slot taken: the one the spacing set, when the event loop woke this
            # request less than a spacing after it, else now. Lateness then does not
            # pile up from post to post: at 48 a second, waking each post 3 ms late
            # would have cost an eighth of the rate.
            now, slot = _now(), self._last + self.spacing
            self._last = slot if now - slot < self.spacing else now

    def release(self) -> None:
        """The request was answered, failed or given up: its place is free a second from now."""
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
