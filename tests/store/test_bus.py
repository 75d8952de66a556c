"""Cluster news over PostgreSQL LISTEN/NOTIFY: subscription changes and reloads reach every process.

Two buses on one database stand for two ``dateline run`` processes; each
records what it is told. Runs when ``DATELINE_TEST_POSTGRES_URL`` is set.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy import text

from bot.cluster.bus import ClusterEvents, LocalBus, PostgresBus
from bot.store import Store
from tests.conftest import POSTGRES_URL, empty_postgres

NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
pytestmark = pytest.mark.skipif(
    not POSTGRES_URL,
    reason="cluster bus tests need DATELINE_TEST_POSTGRES_URL, e.g. "
    "postgresql+asyncpg://postgres@127.0.0.1:5432/test (.ci/run sets it)",
)


@dataclass
class Process:
    name: str
    changes: list[tuple[int, int]] = field(default_factory=list)
    reloads: int = 0
    reconnects: int = 0

    def events(self) -> ClusterEvents:
        async def changed(subscription_id: int, guild_id: int) -> None:
            self.changes.append((subscription_id, guild_id))

        async def reload() -> str:
            self.reloads += 1
            return f"{self.name} reloaded"

        async def reconnected() -> None:
            self.reconnects += 1

        return ClusterEvents(changed, reload, reconnected)


async def eventually(check, timeout: float = 10) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.02)


@pytest.fixture
async def store():
    await empty_postgres(POSTGRES_URL)
    opened = Store.open(POSTGRES_URL)
    await opened.start()
    yield opened
    await opened.close()


@pytest.fixture
async def cluster(store):
    processes = [Process("host-a:1"), Process("host-b:2")]
    buses = [await PostgresBus.open(POSTGRES_URL, p.name, p.events()) for p in processes]
    yield list(zip(processes, buses, strict=True))
    for bus in buses:
        await bus.close()


async def test_every_subscription_change_reaches_every_process_whoever_made_it(store, cluster):
    guild = 81384788765712384
    made = await store.subscribe(guild, 5, local_time="09:00", timezone="UTC", now=NOW)
    await store.pause(made.id, "Missing Access", NOW)
    async with store.engine.begin() as connection:  # an operator's SQL, behind Dateline's back
        await connection.execute(text("UPDATE subscriptions SET local_time = '10:00'"))
    await store.unsubscribe(guild, 5)
    for process, _bus in cluster:
        await eventually(lambda p=process: len(p.changes) == 4)
        assert process.changes == [(made.id, guild)] * 4


async def test_a_reload_reaches_every_process_and_each_answers(cluster):
    (a, bus_a), (b, _bus_b) = cluster
    assert set(await bus_a.members()) >= {a.name, b.name}
    reports = dict(await bus_a.reload_everywhere())
    assert (a.reloads, b.reloads) == (1, 1)
    assert reports[a.name] == "host-a:1 reloaded"
    assert reports[b.name] == "host-b:2 reloaded"


async def test_a_lost_connection_comes_back_and_reconciles(store, cluster):
    (a, bus_a), (b, _bus_b) = cluster
    killer = await asyncpg.connect(bus_a.dsn)
    try:
        await killer.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
            "dateline " + a.name,
        )
    finally:
        await killer.close()
    await eventually(lambda: a.reconnects == 1)
    assert b.reconnects == 0
    made = await store.subscribe(7, 5, local_time="09:00", timezone="UTC", now=NOW)
    await eventually(lambda: a.changes == [(made.id, 7)])


async def test_one_process_on_sqlite_reloads_itself():
    process = Process("only:1")
    bus = LocalBus(process.name, process.events())
    assert await bus.reload_everywhere() == [("only:1", "only:1 reloaded")]
