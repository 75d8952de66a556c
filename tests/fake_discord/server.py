"""A loopback stand-in for Discord's REST API and gateway, just big enough for Dateline.

``dateline run`` talks to it as to Discord (``DATELINE_DISCORD_API_BASE``): it
logs in, reads ``/gateway/bot``, identifies or resumes each shard over its own
websocket, syncs commands, receives injected INTERACTION_CREATE events on the
shard of the guild they come from, and answers them through the interaction
callback and webhook routes. Everything the bot sends is recorded for the
tests to inspect. Sharding and rate limits follow Discord (see ``limits``):
``FakeDiscord(shards=4, max_concurrency=1)`` serves a bot that must run four
shards and start one session per 5 seconds; every REST route but the
interaction ones shares a global 50 requests/s.

Several processes can share one fake like a cluster shares one bot token;
``api_base_for("p1")`` gives a process its own address so that every request
and gateway session is recorded with the name of the process that made it.

Traps it respects (each one breaks discord.py when ignored): JSON responses
carry ``Content-Type: application/json`` exactly; the interaction callback is
posted with ``?with_response=1`` and needs a JSON callback response, not 204;
interaction payloads need ``attachment_size_limit``, the full ``channel`` and
``member.permissions``; a 429 needs a ``Via`` header and ``retry_after``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from tests.fake_discord import payloads
from tests.fake_discord.checks import invalid_form_body, message_problems
from tests.fake_discord.gateway import Gateway
from tests.fake_discord.limits import (
    GLOBAL_REQUESTS_PER_SECOND,
    IDENTIFY_INTERVAL,
    GlobalLimit,
    IdentifyLimit,
    guild_id_on_shard,
)
from tests.fake_discord.payloads import APP_ID, CHANNEL_ID, GUILD_ID, USER_ID, json_response

# Re-exported: tests built before payloads.py import these from here.
__all__ = ["APP_ID", "CHANNEL_ID", "GUILD_ID", "USER_ID", "ChannelOption", "FakeDiscord"]
SESSION_STARTS_PER_DAY = 1000


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    client: str | None = None  # the name in api_base_for(name), if the sender used one
    status: int = 0
    at: float = field(default_factory=time.monotonic)
    wall: datetime = field(default_factory=lambda: datetime.now(UTC))  # to compare with due times


@dataclass
class FakeGuild:
    id: int
    channel_ids: list[int]

    @property
    def channel_id(self) -> int:
        return self.channel_ids[0]


@dataclass(frozen=True)
class ChannelOption:
    """A channel-typed slash command option (sent with its resolved channel)."""

    id: int


class FakeDiscord:
    """Start with ``await fake.start()``; point the bot at ``fake.api_base``."""

    def __init__(
        self,
        *,
        shards: int = 1,
        max_concurrency: int = 1,
        rate_limit_per_second: int | None = GLOBAL_REQUESTS_PER_SECOND,
        identify_interval: float = IDENTIFY_INTERVAL,
    ) -> None:
        self.requests: list[Recorded] = []
        self.commands: list[dict[str, Any]] = []
        self.callbacks: dict[str, asyncio.Future] = {}
        self.messages: list[dict[str, Any]] = []
        self.guilds: dict[int, FakeGuild] = {GUILD_ID: FakeGuild(GUILD_ID, [CHANNEL_ID])}
        self.global_limit = GlobalLimit(rate_limit_per_second)
        self.identify_limit = IdentifyLimit(max_concurrency, identify_interval)
        self.gateway = Gateway(
            shards=shards,
            identify_limit=self.identify_limit,
            guilds=lambda: {g.id: g.channel_ids for g in self.guilds.values()},
            resume_url=self.gateway_url_for,
        )
        # Per channel id, statuses to answer the next message posts with (403, 404, 429, 503).
        self.failures: dict[str, list[int]] = {}
        # When set, a message post is stored (Discord has it) but never answered.
        self.hold_messages = False
        self._released = asyncio.Event()
        self._ids = itertools.count(1_200_000_000_000_000_000)
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self.gateway.handle)
        app.router.add_get("/c/{client}/gateway", self.gateway.handle)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        app.router.add_route("*", "/c/{client}/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._released.set()
        await self.gateway.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def api_base_for(self, client: str) -> str:
        """An API base that tags every request and gateway session with ``client``."""
        return f"http://127.0.0.1:{self.port}/c/{client}/api/v10"

    def gateway_url_for(self, client: str | None) -> str:
        return (
            self.gateway_url if client is None else f"ws://127.0.0.1:{self.port}/c/{client}/gateway"
        )

    def next_id(self) -> str:
        return str(next(self._ids))

    # --- shards and guilds ---

    @property
    def shards(self) -> int:
        """The shard count /gateway/bot recommends; fewer is refused with 4011."""
        return self.gateway.shards

    @property
    def identifies(self) -> int:
        return len(self.identify_limit.accepted)

    @property
    def invalid_sessions(self) -> int:
        return len(self.identify_limit.invalid_sessions)

    @property
    def resumes(self) -> int:
        return self.gateway.resumes

    @property
    def rate_limited(self) -> int:
        """Requests answered with the global 429."""
        return self.global_limit.rejected

    def add_guild(self, shard_id: int, *, channels: int = 1) -> FakeGuild:
        """A new guild (with ``channels`` text channels) that Discord would put on ``shard_id``."""
        ordinal = sum(1 for g in self.guilds if g != GUILD_ID)
        guild = FakeGuild(
            guild_id_on_shard(shard_id, self.shards, ordinal),
            [int(self.next_id()) for _ in range(channels)],
        )
        self.guilds[guild.id] = guild
        return guild

    async def wait_connected(self, timeout: float = 30) -> None:
        await self.gateway.wait_for(lambda: bool(self.gateway.live), timeout)

    async def wait_shards(self, shard_ids: set[int] | None = None, timeout: float = 60) -> None:
        """Until every shard in ``shard_ids`` (default: all) has a live session."""
        wanted = set(range(self.shards)) if shard_ids is None else shard_ids
        await self.gateway.wait_for(lambda: wanted <= self.gateway.live_shards(), timeout)

    async def drop_websocket(self) -> None:
        """Close every gateway connection abnormally, as a network failure would."""
        await self.gateway.drop_all()

    async def remove_guild(self, guild_id: int) -> None:
        """The bot was removed from a guild: GUILD_DELETE on the guild's shard."""
        await self.gateway.dispatch(guild_id, "GUILD_DELETE", {"id": str(guild_id)})
        del self.guilds[guild_id]

    async def delete_channel(self, guild_id: int, channel_id: int) -> None:
        await self.gateway.dispatch(
            guild_id, "CHANNEL_DELETE", payloads.channel(channel_id, guild_id)
        )
        self.guilds[guild_id].channel_ids.remove(channel_id)

    # --- interactions ---

    async def inject_command(
        self,
        name: str,
        *,
        user_id: int = USER_ID,
        guild_id: int = GUILD_ID,
        channel_id: int | None = None,
        subcommand: str | None = None,
        **options: Any,
    ) -> str:
        """Send INTERACTION_CREATE for ``/name [subcommand]`` on the guild's shard.

        Option values: ``str``, ``int``, ``bool`` or :class:`ChannelOption`.
        Returns the interaction token for :meth:`wait_callback`.
        """
        interaction_id = self.next_id()
        token = f"token-{interaction_id}"
        self.callbacks[token] = asyncio.get_running_loop().create_future()
        command = next((c for c in self.commands if c["name"] == name), {"id": self.next_id()})
        guild = self.guilds[guild_id]
        channel = payloads.channel(channel_id or guild.channel_id, guild_id)
        arguments, resolved = self._options(guild_id, options)
        if subcommand is not None:
            arguments = [{"name": subcommand, "type": 1, "options": arguments}]
        payload = {
            "id": interaction_id,
            "application_id": str(APP_ID),
            "type": 2,
            "token": token,
            "version": 1,
            "guild_id": str(guild_id),
            "channel_id": channel["id"],
            "channel": channel,
            "member": payloads.member(user_id),
            "data": {
                "id": command["id"],
                "name": name,
                "type": 1,
                "options": arguments,
                "resolved": resolved,
            },
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": payloads.ALL_PERMISSIONS,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild_id)},
            "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        await self.gateway.dispatch(guild_id, "INTERACTION_CREATE", payload)
        return token

    def _options(self, guild_id: int, options: dict[str, Any]) -> tuple[list[dict], dict]:
        arguments: list[dict[str, Any]] = []
        channels: dict[str, Any] = {}
        for key, value in options.items():
            if isinstance(value, ChannelOption):
                channels[str(value.id)] = {
                    **payloads.channel(value.id, guild_id),
                    "permissions": payloads.ALL_PERMISSIONS,
                }
                arguments.append({"name": key, "type": 7, "value": str(value.id)})
            else:
                kind = 5 if isinstance(value, bool) else 4 if isinstance(value, int) else 3
                arguments.append({"name": key, "type": kind, "value": value})
        return arguments, ({"channels": channels} if channels else {})

    async def wait_callback(self, token: str, timeout: float = 30) -> dict[str, Any]:
        return await asyncio.wait_for(self.callbacks[token], timeout)

    # --- REST ---

    async def _body(self, request: web.Request) -> Any:
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    return json.loads(await part.text())
            return {}
        text = await request.text()
        return json.loads(text) if text else None

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        client = request.match_info.get("client")
        recorded = Recorded(request.method, path, dict(request.query), await self._body(request))
        recorded.client = client
        self.requests.append(recorded)
        # Interaction callbacks and webhooks are not bound to the global limit (Discord's docs).
        exempt = path.startswith(("/interactions/", "/webhooks/"))
        retry_after = None if exempt else self.global_limit.admit()
        if retry_after is not None:
            response = payloads.rate_limited(retry_after, scope="global")
        else:
            response = await self._route(request.method, path, recorded.body, client)
        recorded.status = response.status
        return response

    async def _route(self, method: str, path: str, body: Any, client: str | None) -> web.Response:
        parts = path.strip("/").split("/")
        if path == "/users/@me":
            return json_response(payloads.BOT_USER)
        if path == "/oauth2/applications/@me":
            return json_response(payloads.APPLICATION)
        if path == "/gateway/bot":
            return json_response(self._gateway_bot(client))
        if parts[:1] == ["applications"] and parts[-1] == "commands" and method == "PUT":
            # Discord answers a context-menu command (sent without one) with description "".
            self.commands = [
                {
                    "description": "",
                    **c,
                    "id": self.next_id(),
                    "application_id": str(APP_ID),
                    "version": "1",
                }
                for c in body
            ]
            return json_response(self.commands)
        if parts[:1] == ["applications"] and parts[-1] == "commands":
            return json_response(self.commands)
        if parts[:1] == ["interactions"] and parts[-1] == "callback":
            return self._callback(parts[2], body)
        sent = body if isinstance(body, dict) else {}
        if parts[:1] in (["webhooks"], ["channels"]) and (problems := message_problems(sent)):
            return invalid_form_body(problems)
        if parts[:1] == ["webhooks"]:
            message = payloads.message(self.next_id(), body or {}, str(CHANNEL_ID))
            self.messages.append(message)
            return json_response(message)
        if parts[:1] == ["channels"] and parts[-1] == "messages" and method == "POST":
            return await self._post_message(parts[1], body or {})
        return json_response(
            {"message": f"fake Discord has no {method} {path}", "code": 0}, status=404
        )

    def _gateway_bot(self, client: str | None) -> dict[str, Any]:
        return {
            "url": self.gateway_url_for(client),
            "shards": self.shards,
            "session_start_limit": {
                "total": SESSION_STARTS_PER_DAY,
                "remaining": SESSION_STARTS_PER_DAY - self.identifies,
                "reset_after": 86_400_000,
                "max_concurrency": self.identify_limit.max_concurrency,
            },
        }

    async def _post_message(self, channel_id: str, body: dict[str, Any]) -> web.Response:
        failure = self._injected_failure(channel_id)
        if failure is not None:
            return failure
        if body.get("enforce_nonce") and body.get("nonce"):
            for earlier in self.messages:  # Discord returns the message it already has
                if earlier["channel_id"] == channel_id and earlier["nonce"] == body["nonce"]:
                    return json_response(earlier)
        message = payloads.message(self.next_id(), body, channel_id)
        self.messages.append(message)
        if self.hold_messages:
            await self._released.wait()  # the sender dies waiting for this answer
        return json_response(
            message,
            headers={
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "4",
                "X-RateLimit-Reset-After": "1.0",
                "X-RateLimit-Bucket": "fake",
            },
        )

    def _injected_failure(self, channel_id: str) -> web.Response | None:
        statuses = self.failures.get(channel_id)
        if not statuses:
            return None
        status = statuses.pop(0)
        if status == 429:
            return payloads.rate_limited(0.05, scope="user")
        errors = {
            403: (50013, "Missing Permissions"),
            404: (10003, "Unknown Channel"),
        }
        code, message = errors.get(status, (0, "Service Unavailable"))
        return json_response({"message": message, "code": code}, status=status)

    def channel_messages(self, channel_id: int | str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["channel_id"] == str(channel_id)]

    def message_posts(self) -> list[Recorded]:
        """Every channel message post received, answered or not (429s included)."""
        return [
            r
            for r in self.requests
            if r.method == "POST"
            and r.path.startswith("/channels/")
            and r.path.endswith("/messages")
        ]

    def _callback(self, token: str, body: dict[str, Any]) -> web.Response:
        future = self.callbacks.get(token)
        if future is not None and not future.done():
            future.set_result(body)
        kind = body.get("type")
        data = body.get("data") or {}
        if problems := message_problems(data):
            return invalid_form_body(problems)
        message = (
            payloads.message(self.next_id(), data, str(CHANNEL_ID)) if kind in (4, 5, 7) else None
        )
        if message is not None:
            self.messages.append(message)
        interaction = {
            "id": token.removeprefix("token-"),
            "type": 2,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool((data.get("flags") or 0) & 64),
        }
        response: dict[str, Any] = {"interaction": interaction}
        if message is not None:
            interaction["response_message_id"] = message["id"]
            response["resource"] = {"type": kind, "message": message}
        return json_response(response)
