"""Pacing digest posts so that no one-second window holds more than a budget.

Discord's global limit is 50 requests in a second per bot token, whichever
processes send them. A leaky bucket bounds a rate but lets a burst through on
top of it, so the busiest second of a cluster is the sum of rates *and*
bursts. Counting the sends of the last second instead bounds exactly what
Discord counts: each process keeps to its budget in every second, and the
budgets of a cluster add up to ``digest.sends_per_second``.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable
from types import TracebackType

MARGIN = 0.001  # a send lands strictly after the window it must not join


class SecondBudget:
    """At most ``budget`` entries (rounded down, at least one) in any ``period`` seconds."""

    def __init__(
        self,
        budget: float,
        period: float = 1.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self.limit = max(1, math.floor(budget))
        self.period = period
        self._clock, self._sleep = clock, sleep
        self._sent: deque[float] = deque()
        self._turn = asyncio.Lock()  # waiters go in the order they came

    async def __aenter__(self) -> None:
        async with self._turn:
            while True:
                now = self._clock()
                while self._sent and self._sent[0] + self.period < now:
                    self._sent.popleft()
                if len(self._sent) < self.limit:
                    self._sent.append(now)
                    return
                await self._sleep(self._sent[0] + self.period - now + MARGIN)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        return None
