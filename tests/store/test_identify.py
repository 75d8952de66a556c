"""IDENTIFY pacing across processes: one IDENTIFY per bucket per window, whoever asks.

Two gates on one PostgreSQL database stand for two processes (and one gate
for a process's own shards); the window is shortened to keep the test quick.
The check is the rule itself: within a bucket, no two IDENTIFYs closer than
the window, whichever process they come from.
"""

from __future__ import annotations

import asyncio
import itertools
import os

import pytest

from bot.cluster.identify import IdentifyGate
from bot.store.store import create_engine

POSTGRES_URL = os.environ.get("DATELINE_TEST_POSTGRES_URL")
WINDOW = 0.4


async def identify_all(gates_and_shards, max_concurrency: int) -> dict[int, float]:
    loop = asyncio.get_running_loop()
    at: dict[int, float] = {}

    async def one_process(gate: IdentifyGate, shards: list[int]) -> None:
        for shard in shards:  # discord.py launches a process's shards one after another
            await gate.turn(shard)
            at[shard] = loop.time()

    await asyncio.gather(*(one_process(g, s) for g, s in gates_and_shards))
    return at


def assert_paced(at: dict[int, float], max_concurrency: int) -> None:
    for bucket in range(max_concurrency):
        times = sorted(t for shard, t in at.items() if shard % max_concurrency == bucket)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(gap >= WINDOW * 0.95 for gap in gaps), (bucket, gaps)


@pytest.fixture(params=["postgresql", "in-process"])
async def engines(request):
    if request.param == "in-process":
        yield [None]
        return
    if not POSTGRES_URL:
        pytest.skip("IDENTIFY pacing across processes needs DATELINE_TEST_POSTGRES_URL")
    opened = [create_engine(POSTGRES_URL), create_engine(POSTGRES_URL)]
    yield opened
    for engine in opened:
        await engine.dispose()


@pytest.mark.parametrize("max_concurrency", [1, 2])
async def test_no_bucket_identifies_twice_within_the_window(engines, max_concurrency):
    gates = [IdentifyGate(e, max_concurrency, window=WINDOW) for e in engines]
    shards = list(range(6))
    slices = [(gates[i % len(gates)], shards[i :: len(gates)]) for i in range(len(gates))]
    at = await identify_all(slices, max_concurrency)
    assert sorted(at) == shards
    assert_paced(at, max_concurrency)
    for gate in gates:
        await gate.close()
