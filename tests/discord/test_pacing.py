"""Digest pacing: the processes of a cluster together never exceed the bot's budget."""

from __future__ import annotations

from bisect import bisect_left

from hypothesis import given
from hypothesis import strategies as st

from bot.discord.poster import BURST, spacing_rate


def busiest_second(times: list[float]) -> int:
    """The most sends in any closed one-second window (windows start at a send)."""
    return max(bisect_left(times, t + 1.0 + 1e-9) - n for n, t in enumerate(times))


@given(
    total=st.floats(min_value=4 * BURST, max_value=48),  # each budget at least twice the burst
    processes=st.integers(min_value=1, max_value=2),
    phases=st.lists(st.floats(min_value=0, max_value=1), min_size=2, max_size=2),
)
def test_evenly_spaced_processes_stay_within_the_budget_in_every_second(total, processes, phases):
    budget = total / processes
    rate = spacing_rate(budget)
    # Each process: a burst at its own moment, then one send every 1/rate seconds.
    sends = sorted(
        phases[p] + max(k - BURST + 1, 0) / rate
        for p in range(processes)
        for k in range(int(rate * 5))
    )
    assert busiest_second(sends) <= total


def test_the_default_budget_leaves_most_of_it_for_posting():
    assert spacing_rate(48) == 46
    assert 2 * spacing_rate(24) == 44  # two processes of a 48-a-second bot
