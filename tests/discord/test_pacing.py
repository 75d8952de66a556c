"""Digest pacing: the processes of a cluster together never exceed the bot's budget.

The real :class:`EvenPacer` runs on a virtual clock: each post asks at its
arrival time, and its sleep records when it would have been sent.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.digest.pacing import EvenPacer, spacing_rate


def busiest_second(times: list[float]) -> int:
    """The most sends in any closed one-second window (windows start at a send)."""
    times = sorted(times)
    return max(bisect_left(times, t + 1.0 + 1e-9) - n for n, t in enumerate(times))


def sent_at(rate: float, arrivals: list[float]) -> list[float]:
    """When a pacer of ``rate`` lets out posts asking at ``arrivals`` (in order)."""
    now = 0.0
    sent: list[float] = []

    async def sleep(delay: float) -> None:
        sent[-1] += delay

    async def run() -> None:
        nonlocal now
        pacer = EvenPacer(rate, clock=lambda: now, sleep=sleep)
        for arrival in arrivals:
            now = arrival
            sent.append(arrival)
            await pacer.wait()

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


def test_a_fan_out_runs_at_the_budget_less_one_post():
    # 5,000 digests due at once on two processes of a 48-a-second bot.
    sends = sent_at(spacing_rate(24), [0.0] * 2500)
    assert (len(sends) - 1) / (sends[-1] - sends[0]) == pytest.approx(23)
    assert busiest_second(sends) == 24
