"""Digest pacing: the processes of a cluster together never exceed the bot's budget.

The real :class:`EvenPacer` runs on a virtual clock: each post asks at its
arrival time, and its sleep records when it would have been sent.
"""

from __future__ import annotations

import asyncio
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.digest.pacing import EvenPacer, spacing_rate
from tests.fake_discord.limits import busiest_second  # Discord's window: [t, t + 1)


def sent_at(rate: float, arrivals: list[float], stalls: list[float] = ()) -> list[float]:
    """When a pacer of ``rate`` lets out posts asking at ``arrivals`` (in order).

    The pacer takes turns, so asking one after another is what concurrent posts
    do. ``stalls``: how late each sleep wakes (an event loop too busy to wake it
    on time).
    """
    now = 0.0
    late = iter(stalls)
    sent: list[float] = []

    async def sleep(delay: float) -> None:
        nonlocal now
        now += delay + next(late, 0.0)

    async def run() -> None:
        nonlocal now
        pacer = EvenPacer(rate, clock=lambda: now, sleep=sleep)
        for arrival in arrivals:
            now = max(now, arrival)
            await pacer.wait()
            sent.append(now)

    asyncio.run(run())
    return sent


arrivals = st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=150).map(sorted)


@given(
    # A share under one post a second is a cluster too big to pace locally (docs/cluster.md).
    budget=st.floats(min_value=1, max_value=50 / 3),
    processes=st.lists(arrivals, min_size=1, max_size=3),
)
def test_the_busiest_second_of_all_processes_stays_within_the_budget(budget, processes):
    total = budget * len(processes)
    sends = [t for asked in processes for t in sent_at(spacing_rate(budget), asked)]
    assert busiest_second(sends) <= total


@given(asked=arrivals)
def test_posts_go_in_the_order_they_ask_and_never_before(asked):
    sends = sent_at(10, asked)
    assert sends == sorted(sends)
    assert all(sent >= arrival for sent, arrival in zip(sends, asked, strict=True))


@given(asked=arrivals, stalls=st.lists(st.floats(min_value=0, max_value=2), max_size=150))
def test_posts_that_waited_through_a_stall_still_go_one_spacing_apart(asked, stalls):
    sends = sent_at(10, asked, stalls)
    assert all(later - earlier >= 0.1 - 1e-9 for earlier, later in pairwise(sends))


def test_a_fan_out_runs_at_the_whole_budget():
    # 5,000 digests due at once on two processes of a 48-a-second bot.
    sends = sent_at(spacing_rate(24), [0.0] * 2500)
    assert (len(sends) - 1) / (sends[-1] - sends[0]) == pytest.approx(24, rel=1e-4)
    assert busiest_second(sends) == 24
