"""How the processes of a cluster tell each other things: PostgreSQL LISTEN/NOTIFY.

Two kinds of news travel here. A subscription changed: a trigger on the
``subscriptions`` table (migration 0005) announces every insert, update and
delete, whoever made it (a ``/digest`` command in any process, an operator's
SQL), and the process that owns the guild rebuilds that job within moments.
And a reload: one process asks, every process reloads its archive and answers
with one line, so ``/dateline reload`` can report per process.

Who is in the cluster is PostgreSQL's own view: every process keeps one
listening connection named ``dateline <host:pid>`` (its ``application_name``),
so ``pg_stat_activity`` lists the live processes without a registry of our
own. NOTIFY is delivered only to connections listening at the time, so after a
lost connection the process reconnects and reconciles its jobs with the store.

On SQLite there is one process and no one else to tell: :class:`LocalBus`
reloads in place, and a change made through a command reschedules its job
directly (the ``/digest`` commands already do).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg
import orjson
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

SUBSCRIPTIONS = "dateline_subscriptions"  # payload "<subscription id> <guild id>"
RELOAD = "dateline_reload"  # {"request": id}
RELOADED = "dateline_reloaded"  # {"request": id, "process": name, "summary": line}
NAME_PREFIX = "dateline "
RELOAD_TIMEOUT = 120.0  # seconds to wait for every process's answer (a cold rebuild is slow)
RECONNECT_DELAYS = (1, 2, 5, 10, 30)  # seconds; the last repeats


@dataclass(frozen=True)
class ClusterEvents:
    """What this process does when the cluster tells it something."""

    subscription_changed: Callable[[int, int], Awaitable[None]]  # (subscription id, guild id)
    reload: Callable[[], Awaitable[str]]  # reload here; one line saying how it went
    reconnected: Callable[[], Awaitable[None]]  # news may have been missed: reconcile


class Bus(Protocol):
    async def reload_everywhere(self) -> list[tuple[str, str]]:
        """Reload every process's archive; (process, how it went) for each that answered."""
        ...

    async def close(self) -> None: ...


class LocalBus:
    """One process, nobody else to tell."""

    def __init__(self, name: str, events: ClusterEvents) -> None:
        self.name = name
        self.events = events

    async def reload_everywhere(self) -> list[tuple[str, str]]:
        return [(self.name, await self.events.reload())]

    async def close(self) -> None:
        return None


class PostgresBus:
    def __init__(self, dsn: str, name: str, events: ClusterEvents) -> None:
        self.dsn = dsn
        self.name = name[: 63 - len(NAME_PREFIX)]  # application_name holds 63 bytes
        self.events = events
        self._connection: asyncpg.Connection | None = None
        self._answers: dict[str, asyncio.Queue[tuple[str, str]]] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closing = False

    @classmethod
    async def open(cls, url: str, name: str, events: ClusterEvents) -> PostgresBus:
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        bus = cls(dsn, name, events)
        await bus._connect()
        return bus

    async def _connect(self) -> None:
        connection = await asyncpg.connect(
            self.dsn, server_settings={"application_name": NAME_PREFIX + self.name}
        )
        await connection.add_listener(SUBSCRIPTIONS, self._on_notification)
        await connection.add_listener(RELOAD, self._on_notification)
        await connection.add_listener(RELOADED, self._on_notification)
        connection.add_termination_listener(self._on_lost)
        self._connection = connection
        log.info("Listening for cluster news as %r", NAME_PREFIX + self.name)

    async def close(self) -> None:
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        if self._connection is not None and not self._connection.is_closed():
            await self._connection.close()

    async def members(self) -> list[str]:
        """The live processes of the cluster (their listening connections), by name."""
        rows = await self._require().fetch(
            "SELECT application_name FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name LIKE $1",
            NAME_PREFIX + "%",
        )
        return sorted({row[0].removeprefix(NAME_PREFIX) for row in rows})

    async def reload_everywhere(self) -> list[tuple[str, str]]:
        request = uuid.uuid4().hex
        answers: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._answers[request] = answers
        try:
            expected = set(await self.members())
            await self._notify(RELOAD, {"request": request})
            got: dict[str, str] = {}
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(RELOAD_TIMEOUT):
                    while not expected <= set(got):
                        process, summary = await answers.get()
                        got[process] = summary
            for missing in sorted(expected - set(got)):
                got[missing] = f"no answer within {RELOAD_TIMEOUT:.0f} s"
            return sorted(got.items())
        finally:
            del self._answers[request]

    async def _notify(self, channel: str, payload: dict[str, str]) -> None:
        await self._require().execute(
            "SELECT pg_notify($1, $2)", channel, orjson.dumps(payload).decode()
        )

    def _require(self) -> asyncpg.Connection:
        if self._connection is None or self._connection.is_closed():
            raise ConnectionError("the cluster connection to PostgreSQL is down; reconnecting")
        return self._connection

    def _on_notification(self, _connection: Any, _pid: int, channel: str, payload: str) -> None:
        self._spawn(self._handle(channel, payload))

    async def _handle(self, channel: str, payload: str) -> None:
        try:
            if channel == SUBSCRIPTIONS:
                subscription_id, guild_id = map(int, payload.split())
                await self.events.subscription_changed(subscription_id, guild_id)
            elif channel == RELOAD:
                request = orjson.loads(payload)["request"]
                summary = await self.events.reload()
                log.info("Reload %s (asked by the cluster): %s", request[:8], summary)
                answer = {"request": request, "process": self.name, "summary": summary}
                await self._notify(RELOADED, answer)
            elif channel == RELOADED:
                answer = orjson.loads(payload)
                if (queue := self._answers.get(answer["request"])) is not None:
                    queue.put_nowait((answer["process"], answer["summary"]))
        except Exception:
            log.exception("Could not act on cluster news %s %r", channel, payload[:200])

    def _on_lost(self, _connection: Any) -> None:
        if not self._closing:
            log.warning("Lost the cluster connection to PostgreSQL; reconnecting")
            self._spawn(self._reconnect())

    async def _reconnect(self) -> None:
        for attempt in range(10**9):
            await asyncio.sleep(RECONNECT_DELAYS[min(attempt, len(RECONNECT_DELAYS) - 1)])
            try:
                await self._connect()
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("Cluster connection: %s; trying again", error)
                continue
            await self.events.reconnected()
            return

    def _spawn(self, coroutine: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)


async def open_bus(store_url: str, name: str, events: ClusterEvents) -> Bus:
    """The cluster's bus for this store: PostgreSQL's LISTEN/NOTIFY, else this process alone."""
    if make_url(store_url).get_backend_name() == "postgresql":
        return await PostgresBus.open(store_url, name, events)
    return LocalBus(name, events)
