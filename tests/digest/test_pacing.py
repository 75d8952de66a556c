"""Digest pacing: a cluster's processes together never exceed the bot's budget in any second."""

from __future__ import annotations

import asyncio
from bisect import bisect_right

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.digest.pacing import SecondBudget


class VirtualTime:
    """A clock that moves only when someone sleeps: tests never wait for real time."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


def busiest_second(times: list[float]) -> int:
    """The most sends in any closed one-second window."""
    times = sorted(times)
    return max(bisect_right(times, t + 1.0) - n for n, t in enumerate(times))


async def send_all(limiter: SecondBudget, time: VirtualTime, starts: list[float]) -> list[float]:
    sent = []
    for start in starts:
        time.now = max(time.now, start)
        async with limiter:
            sent.append(time.now)
    return sent


@settings(max_examples=50)
@given(
    total=st.integers(min_value=2, max_value=48),
    processes=st.integers(min_value=1, max_value=3),
    starts=st.lists(st.floats(min_value=0, max_value=3), min_size=1, max_size=200),
)
def test_processes_keep_within_the_bots_budget_in_every_second(total, processes, starts):
    async def run() -> list[float]:
        sent = []
        for _ in range(processes):  # each process its share, its own clock phase
            time = VirtualTime()
            limiter = SecondBudget(total / processes, clock=time.clock, sleep=time.sleep)
            sent += await send_all(limiter, time, sorted(starts))
        return sent

    sent = asyncio.run(run())
    assert len(sent) == processes * len(starts)  # every post goes out, none is dropped
    assert busiest_second(sent) <= max(total, processes)


def test_a_fan_out_goes_at_the_full_budget():
    async def run() -> list[float]:
        time = VirtualTime()
        limiter = SecondBudget(24, clock=time.clock, sleep=time.sleep)
        return await send_all(limiter, time, [0.0] * 240)

    sent = asyncio.run(run())
    assert busiest_second(sent) == 24
    assert sent[-1] < 10.1  # 240 posts at 24 a second: ten seconds, not more
