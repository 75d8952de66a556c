"""The fake's websocket gateway: one session per shard, events routed by guild.

A connection identifies with ``shard: [id, count]``; its READY and
GUILD_CREATEs carry only the guilds Discord would put on that shard, and
events for a guild (interactions above all) go out on that shard's live
connection. A shard that Discord would refuse is closed with the close code
Discord uses (4010 invalid shard, 4011 sharding required); an IDENTIFY beyond
the session start rate gets op 9 and is recorded.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fake_discord import payloads
from tests.fake_discord.limits import IdentifyLimit, shard_of

log = logging.getLogger(__name__)

INVALID_SHARD = 4010
SHARDING_REQUIRED = 4011
HEARTBEAT_INTERVAL_MS = 41250


@dataclass
class Session:
    id: str
    shard_id: int
    shard_count: int
    client: str | None
    sequence: int = 0
    socket: web.WebSocketResponse | None = field(default=None, repr=False)

    def serves(self, guild_id: int) -> bool:
        return shard_of(guild_id, self.shard_count) == self.shard_id


class Gateway:
    def __init__(
        self,
        *,
        shards: int,
        identify_limit: IdentifyLimit,
        guilds: Callable[[], dict[int, list[int]]],
        resume_url: Callable[[str | None], str],
    ) -> None:
        self.shards = shards
        self.identify_limit = identify_limit
        self.resumes = 0
        self.closed_with: list[int] = []  # close codes the fake sent, in order
        self._guilds = guilds
        self._resume_url = resume_url
        self._sessions: dict[str, Session] = {}
        self._session_ids = itertools.count(1)
        self._sockets: set[web.WebSocketResponse] = set()
        self._changed = asyncio.Event()

    # --- what tests look at ---

    @property
    def live(self) -> list[Session]:
        """Sessions with a connection, oldest first."""
        return [s for s in self._sessions.values() if s.socket is not None]

    def live_shards(self) -> set[int]:
        return {s.shard_id for s in self.live}

    async def wait_for(self, check: Callable[[], bool], timeout: float) -> None:
        async def until() -> None:
            while True:
                self._changed.clear()
                if check():
                    return
                await self._changed.wait()

        await asyncio.wait_for(until(), timeout)

    def _touch(self) -> None:
        self._changed.set()

    # --- connections ---

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        client = request.match_info.get("client")
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.add(socket)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}})
        try:
            async for message in socket:
                if message.type == WSMsgType.TEXT:
                    await self._receive(socket, client, json.loads(message.data))
        finally:
            self._sockets.discard(socket)
            for session in self._sessions.values():
                if session.socket is socket:
                    session.socket = None
            self._touch()
        return socket

    async def _receive(
        self, socket: web.WebSocketResponse, client: str | None, payload: dict[str, Any]
    ) -> None:
        op, data = payload.get("op"), payload.get("d")
        if op == 1:  # heartbeat
            await socket.send_json({"op": 11})
        elif op == 2:
            await self._identify(socket, client, data or {})
        elif op == 6:
            await self._resume(socket, data or {})

    async def _identify(
        self, socket: web.WebSocketResponse, client: str | None, data: dict[str, Any]
    ) -> None:
        shard = data.get("shard", [0, 1])
        valid = (
            isinstance(shard, list)
            and len(shard) == 2
            and all(isinstance(n, int) for n in shard)
            and 0 <= shard[0] < shard[1]
        )
        if not valid:
            await self._close(socket, INVALID_SHARD, "Invalid shard.")
            return
        shard_id, shard_count = shard
        if shard_count < self.shards:
            await self._close(socket, SHARDING_REQUIRED, "Sharding required.")
            return
        if not self.identify_limit.attempt(shard_id, shard_count, client).accepted:
            log.info("IDENTIFY of shard %s beyond the session start rate: op 9", shard_id)
            await socket.send_json({"op": 9, "d": False})
            self._touch()
            return
        session = Session(f"fake-session-{next(self._session_ids)}", shard_id, shard_count, client)
        self._sessions[session.id] = session
        session.socket = socket
        guild_ids = [g for g in self._guilds() if session.serves(g)]
        await self._send(session, "READY", self._ready(session, guild_ids))
        for guild_id in guild_ids:
            await self._send(session, "GUILD_CREATE", self._guild(guild_id))
        self._touch()

    async def _resume(self, socket: web.WebSocketResponse, data: dict[str, Any]) -> None:
        session = self._sessions.get(data.get("session_id", ""))
        if session is None:
            await socket.send_json({"op": 9, "d": False})
            return
        self.resumes += 1
        session.socket = socket
        await self._send(session, "RESUMED", {})
        self._touch()

    async def _close(self, socket: web.WebSocketResponse, code: int, reason: str) -> None:
        self.closed_with.append(code)
        await socket.close(code=code, message=reason.encode())
        self._touch()

    def _ready(self, session: Session, guild_ids: list[int]) -> dict[str, Any]:
        return {
            "v": 10,
            "user": payloads.BOT_USER,
            "guilds": [{"id": str(g), "unavailable": True} for g in guild_ids],
            "session_id": session.id,
            "resume_gateway_url": self._resume_url(session.client),
            "shard": [session.shard_id, session.shard_count],
            "application": {"id": str(payloads.APP_ID), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }

    def _guild(self, guild_id: int) -> dict[str, Any]:
        return payloads.guild(guild_id, self._guilds()[guild_id])

    async def _send(self, session: Session, event: str, data: Any) -> None:
        assert session.socket is not None
        session.sequence += 1
        await session.socket.send_json({"op": 0, "t": event, "s": session.sequence, "d": data})

    # --- events from tests ---

    def session_for(self, guild_id: int) -> Session:
        """The live session Discord would send this guild's events on (the newest, if several)."""
        serving = [s for s in self.live if s.serves(guild_id)]
        if not serving:
            raise LookupError(f"no connected shard serves guild {guild_id}")
        return serving[-1]

    async def dispatch(self, guild_id: int, event: str, data: Any) -> Session:
        session = self.session_for(guild_id)
        await self._send(session, event, data)
        return session

    async def dispatch_on(self, session: Session, event: str, data: Any) -> None:
        await self._send(session, event, data)

    async def drop_all(self) -> None:
        """Close every connection abnormally, as a network failure would (sessions stay)."""
        for socket in list(self._sockets):
            await socket.close(code=4000, message=b"dropped by test")

    async def close(self) -> None:
        for socket in list(self._sockets):
            await socket.close()
