"""Several real ``dateline run`` processes sharing one PostgreSQL database and one fake Discord.

A :class:`Cluster` starts process ``i`` of ``n`` with ``cluster.index = i`` and
``cluster.size = n`` (it runs the shards ``s`` with ``s % n == i``), each with its
own working directory and log, and each talking to the fake through its own
address (``fake.api_base_for("p<i>")``) so that every request and gateway
session the fake records names the process that made it.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Collection
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from bot.store import Store
from bot.store.models import DeliveryStatus
from tests.fake_discord import FakeDiscord
from tests.fake_discord.limits import GLOBAL_REQUESTS_PER_SECOND, busiest_second, shard_of
from tests.fake_discord.process import start_bot

POSTGRES_ENV = "DATELINE_TEST_POSTGRES_URL"
SKIP_REASON = (
    f"cluster tests run several processes on PostgreSQL: set {POSTGRES_ENV}, "
    "e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test (.ci/run sets it)"
)


async def fresh_database(base_url: str, suffix: str) -> str:
    """An empty database beside ``base_url``'s (``<name>_<suffix>``); returns its URL."""
    url = make_url(base_url)
    name = f"{url.database}_{suffix}"
    connection = await asyncpg.connect(
        user=url.username,
        password=url.password,
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        database=url.database,
    )
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    return url.set(database=name).render_as_string(hide_password=False)


def write_archive(folder: Path, day: date, *, extra: str = "") -> Path:
    """Three stories on ``day``'s month and day in earlier years: every digest has something."""
    folder.mkdir(parents=True, exist_ok=True)
    for years_ago in (1, 2, 5):
        stamp = f"{day.year - years_ago}-{day:%m-%d} 12:00:00"
        text = f"{stamp}\n\nWire / Story from {years_ago} years back{extra}. Body.\n"
        (folder / f"story{years_ago}.txt").write_text(text, encoding="utf-8")
    return folder


@dataclass
class Member:
    index: int
    process: asyncio.subprocess.Process
    workdir: Path

    @property
    def name(self) -> str:
        return f"p{self.index}"

    def log(self) -> str:
        return (self.workdir / "bot.log").read_text(encoding="utf-8", errors="replace")


@dataclass
class Cluster:
    fake: FakeDiscord
    root: Path
    archive: Path
    store_url: str
    size: int
    env: dict[str, str] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)
    _starts: int = 0

    @property
    def shard_count(self) -> int:
        return self.fake.shards

    def owner(self, guild_id: int) -> str:
        """The name of the process that runs this guild's shard."""
        return f"p{shard_of(guild_id, self.shard_count) % self.size}"

    async def start(self, *indexes: int) -> None:
        """Start these processes (default: all) at the same moment."""
        started = await asyncio.gather(*(self._start(i) for i in indexes or range(self.size)))
        self.members.update({m.index: m for m in started})

    async def _start(self, index: int) -> Member:
        self._starts += 1
        workdir = self.root / f"p{index}-{self._starts}"
        workdir.mkdir(parents=True)
        process = await start_bot(
            self.fake,
            workdir,
            self.archive,
            DATELINE_DISCORD_API_BASE=self.fake.api_base_for(f"p{index}"),
            DATELINE_STORE__URL=self.store_url,
            **self.topology(index),
            **self.env,
        )
        return Member(index, process, workdir)

    def topology(self, index: int) -> dict[str, str]:
        """Process ``index`` of ``size``; a cluster of one has no cluster settings at all."""
        if self.size == 1:
            return {}
        return {
            "DATELINE_CLUSTER__SHARD_COUNT": str(self.shard_count),
            "DATELINE_CLUSTER__INDEX": str(index),
            "DATELINE_CLUSTER__SIZE": str(self.size),
        }

    async def wait_ready(self, timeout: float = 120) -> None:
        """Until every shard has a live session; fails at once, with the logs, if a process ends."""
        shards = asyncio.ensure_future(self.fake.wait_shards(timeout=timeout))
        ended = [asyncio.ensure_future(m.process.wait()) for m in self.members.values()]
        try:
            done, _ = await asyncio.wait([shards, *ended], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in (shards, *ended):
                if not waiting.done():
                    waiting.cancel()
        if shards not in done:
            raise AssertionError(f"a process ended during start-up:\n{self.logs()}")
        shards.result()

    async def kill(self, index: int) -> None:
        """SIGKILL: no clean-up, claims left as they were, sessions not closed."""
        member = self.members[index]
        member.process.kill()
        await member.process.wait()

    async def stop(self) -> dict[int, int | None]:
        """SIGTERM every running process; their exit codes (None: had to be killed)."""
        codes: dict[int, int | None] = {}
        for index, member in self.members.items():
            if member.process.returncode is not None:
                codes[index] = member.process.returncode
                continue
            member.process.send_signal(signal.SIGTERM)
            try:
                codes[index] = await asyncio.wait_for(member.process.wait(), 30)
            except TimeoutError:
                member.process.kill()
                await member.process.wait()
                codes[index] = None
        return codes

    def running(self) -> bool:
        return all(m.process.returncode is None for m in self.members.values())

    def logs(self) -> str:
        return "\n".join(f"--- {m.name} ---\n{m.log()}" for m in self.members.values())


def postgres_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


@asynccontextmanager
async def checked_run(cluster: Cluster, store: Store) -> AsyncIterator[None]:
    """Run the block with the cluster, then stop it and check what every run must keep.

    After the block: a moment for a duplicate post to show up, and every process
    still running. Then the cluster, ``store`` and the fake are stopped, whatever
    happened; and every process must have exited cleanly, and the whole token must
    have kept Discord's global limit: no 429, no second above 50 requests
    (interactions and webhooks excepted, as Discord excepts them).
    """
    fake = cluster.fake
    try:
        yield
        await asyncio.sleep(2)
        assert cluster.running(), cluster.logs()
    finally:
        codes = await cluster.stop()
        await store.close()
        await fake.stop()
    assert codes == dict.fromkeys(range(cluster.size), 0)
    assert fake.rate_limited == 0
    limited = [r.at for r in fake.requests if not r.path.startswith(("/interactions", "/webhooks"))]
    assert busiest_second(limited) <= GLOBAL_REQUESTS_PER_SECOND


async def all_sent(store: Store, channels: Collection[int]) -> bool:
    """Whether the latest delivery of every subscription in ``channels`` was sent."""
    subscriptions = [s for s in await store.subscriptions() if s.channel_id in channels]
    latest = await store.latest_deliveries([s.id for s in subscriptions])
    sent = [d for d in latest.values() if d.status == DeliveryStatus.SENT]
    return len(subscriptions) == len(sent) == len(channels)
