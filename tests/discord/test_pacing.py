"""Digest pacing: the processes of a cluster together never exceed the bot's budget.

The real :class:`BudgetPacer` runs in an event loop whose clock jumps to its next
timer instead of waiting for it, so seconds of posting take no time. Each post is
let out by its process's pacer, reaches Discord somewhere in its round trip (any
fraction of it) and is answered at the end; what is checked is the busiest second
of arrivals, as Discord counts it.
"""

from __future__ import annotations

import asyncio
import itertools
import selectors
from dataclasses import dataclass

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from bot.digest.pacing import BudgetPacer, places
from tests.fake_discord.limits import busiest_second  # Discord's window: [t, t + 1)


class _JumpingSelector(selectors.SelectSelector):
    """Waits by moving the clock on: a loop with it runs timers without waiting for them."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list:
        if timeout is None:
            raise RuntimeError("every task waits for something that never comes: a stall")
        self.now += timeout
        return []


class _VirtualLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self.clock = _JumpingSelector()
        super().__init__(self.clock)

    def time(self) -> float:
        return self.clock.now


@dataclass(frozen=True)
class Post:
    asks: float  # when the post asks for its turn
    round_trip: float = 0.0  # from being let out to its answer
    arrives: float = 0.0  # how far into the round trip Discord receives it (0 to 1)


@dataclass
class Sent:
    post: Post
    let_out: float
    received: float


def run(processes: list[tuple[float, list[Post]]], stalls: list[tuple[float, float]] = ()):
    """Each process's posts as sent through its own pacer of its budget, in one loop.

    ``stalls``: (when, how long) the event loop is held by other work, as a long
    garbage collection or a busy process would.
    """
    with asyncio.Runner(loop_factory=_VirtualLoop) as runner:
        loop = runner.get_loop()
        assert isinstance(loop, _VirtualLoop)
        sent: list[list[Sent]] = [[] for _ in processes]

        async def post(pacer: BudgetPacer, one: Post, into: list[Sent]) -> None:
            await asyncio.sleep(one.asks)
            async with pacer.turn():
                let_out = loop.time()
                await asyncio.sleep(one.round_trip * one.arrives)
                received = loop.time()
                await asyncio.sleep(one.round_trip * (1 - one.arrives))
            into.append(Sent(one, let_out, received))

        async def stall() -> None:
            for at, length in sorted(stalls):
                await asyncio.sleep(max(0.0, at - loop.time()))
                loop.clock.now += length  # the loop runs nothing else meanwhile

        async def everything() -> None:
            pacers = [BudgetPacer(budget) for budget, _ in processes]
            await asyncio.gather(
                stall(),
                *(
                    post(pacer, one, into)
                    for pacer, (_, posts), into in zip(pacers, processes, sent, strict=True)
                    for one in posts
                ),
            )

        runner.run(everything())
    return sent


posts = st.lists(
    st.builds(
        Post,
        asks=st.floats(min_value=0, max_value=3),
        round_trip=st.floats(min_value=0, max_value=0.6),
        arrives=st.floats(min_value=0, max_value=1),
    ),
    max_size=80,
)
stalls = st.lists(
    st.tuples(st.floats(min_value=0, max_value=4), st.floats(min_value=0, max_value=0.8)),
    max_size=3,
)


@st.composite
def clusters(draw):
    """(bot budget, [(process share, its posts)]): shards dealt out to processes."""
    budget = draw(st.floats(min_value=1, max_value=50))
    shard_count = draw(st.integers(min_value=1, max_value=8))
    size = draw(st.integers(min_value=1, max_value=min(shard_count, 4)))
    owner = draw(
        st.permutations(
            [
                *range(size),
                *draw(
                    st.lists(
                        st.integers(0, size - 1),
                        min_size=shard_count - size,
                        max_size=shard_count - size,
                    )
                ),
            ]
        )
    )
    shares = [budget * owner.count(process) / shard_count for process in range(size)]
    # A share under one post a second is a cluster too big to pace locally (docs/cluster.md).
    assume(min(shares) >= 1)
    return budget, [(share, draw(posts)) for share in shares]


@given(cluster=clusters(), stalls=stalls)
def test_the_busiest_second_at_discord_stays_within_each_share_and_the_budget(cluster, stalls):
    budget, processes = cluster
    sent = run(processes, stalls)
    for (share, _), mine in zip(processes, sent, strict=True):
        assert busiest_second([s.received for s in mine]) <= places(share) <= share
    assert busiest_second([s.received for mine in sent for s in mine]) <= budget


@given(asked=posts, stalls=stalls)
def test_posts_go_in_the_order_they_ask_never_before_and_spaced(asked, stalls):
    [sent] = run([(10, asked)], stalls)
    assert len(sent) == len(asked)  # none held up for good
    # (The loop runs a timer up to its clock's resolution early, as asyncio's does.)
    assert all(s.let_out >= s.post.asks - 1e-6 for s in sent)
    in_asking_order = sorted(sent, key=lambda s: (s.post.asks, s.let_out))
    let_out = [s.let_out for s in in_asking_order]
    assert let_out == sorted(let_out)
    # Slots a tenth of a second apart; a post woken late (a stall) keeps its slot, so
    # the posts after it may catch up by less than one spacing, never more.
    for earlier, later in itertools.combinations(range(len(let_out)), 2):
        assert let_out[later] - let_out[earlier] >= 0.1 * (later - earlier - 1) - 1e-6


def test_lateness_does_not_pile_up():
    # A busy process: the loop held 3 ms in every 5, so most posts wake late. 480 posts
    # at 48 a second still go at the places' rate, not one late spacing after another.
    stalls = [(n * 0.005, 0.003) for n in range(2400)]
    [sent] = run([(48, [Post(asks=0) for _ in range(480)])], stalls)
    let_out = sorted(s.let_out for s in sent)
    assert (len(let_out) - 1) / (let_out[-1] - let_out[0]) > 47


def test_a_post_that_is_never_answered_holds_only_its_own_place():
    lost = Post(asks=0, round_trip=1e6, arrives=1)
    [sent] = run([(2, [lost, *(Post(asks=0) for _ in range(9))])])
    others = sorted(s.let_out for s in sent if s.post is not lost)
    # Half a second after the lost one (two places: spacing 1/2 s), then one place
    # left: one post a second.
    assert others == pytest.approx([0.5 + n for n in range(9)], abs=1e-3)


@pytest.mark.parametrize("round_trip", [0.0, 0.05])
def test_a_fan_out_runs_at_the_whole_share_less_the_round_trip(round_trip):
    # 5,000 digests due at once on two processes of a 48-a-second bot.
    [sent] = run([(24, [Post(asks=0, round_trip=round_trip) for _ in range(2500)])])
    let_out = sorted(s.let_out for s in sent)
    rate = (len(let_out) - 1) / (let_out[-1] - let_out[0])
    assert rate == pytest.approx(24 / (1 + round_trip), rel=1e-3)
    assert busiest_second([s.received for s in sent]) == 24
