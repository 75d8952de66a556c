"""A loopback stand-in for Discord's REST API and gateway, just big enough for Dateline.

``dateline run`` talks to it as to Discord (``DATELINE_DISCORD_API_BASE``): it
logs in, reads ``/gateway/bot``, identifies or resumes over the websocket,
syncs commands, receives injected INTERACTION_CREATE events and answers them
through the interaction callback and webhook routes. Everything the bot sends
is recorded for the tests to inspect.

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
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = 1_100_000_000_000_000_001
GUILD_ID = 1_100_000_000_000_000_002
CHANNEL_ID = 1_100_000_000_000_000_003
USER_ID = 1_100_000_000_000_000_004
ALL_PERMISSIONS = str((1 << 50) - 1)
BOT_USER = {
    "id": str(APP_ID),
    "username": "Dateline",
    "discriminator": "0",
    "bot": True,
    "avatar": None,
    "global_name": None,
    "public_flags": 0,
    "flags": 0,
}
MEMBER_USER = {
    "id": str(USER_ID),
    "username": "alice",
    "discriminator": "0",
    "avatar": None,
    "global_name": "Alice",
    "public_flags": 0,
}


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None):
    # aiohttp's web.json_response says "application/json; charset=utf-8", which discord.py
    # does not treat as JSON; the body must be declared as exactly application/json.
    response = web.Response(body=json.dumps(payload).encode(), status=status, headers=headers)
    response.headers["Content-Type"] = "application/json"
    return response


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    at: float = field(default_factory=time.monotonic)


class FakeDiscord:
    """Start with ``await fake.start()``; point the bot at ``fake.api_base``."""

    def __init__(self, *, rate_limit_per_second: int | None = None) -> None:
        self.requests: list[Recorded] = []
        self.commands: list[dict[str, Any]] = []
        self.identifies = 0
        self.resumes = 0
        self.callbacks: dict[str, asyncio.Future] = {}
        self.messages: list[dict[str, Any]] = []
        self.rate_limit = rate_limit_per_second
        # Per channel id, statuses to answer the next message posts with (403, 404, 429, 503).
        self.failures: dict[str, list[int]] = {}
        # When set, a message post is stored (Discord has it) but never answered.
        self.hold_messages = False
        self._released = asyncio.Event()
        self.rate_limited = 0
        self._window: list[float] = []
        self._ids = itertools.count(1_200_000_000_000_000_000)
        self._sequence = 0
        self._sockets: set[web.WebSocketResponse] = set()
        self._connected = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # --- lifecycle ---

    async def start(self) -> None:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        self._released.set()
        for socket in list(self._sockets):
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def next_id(self) -> str:
        return str(next(self._ids))

    async def wait_connected(self, timeout: float = 30) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    # --- gateway ---

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.add(socket)
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 41250}})
        try:
            async for message in socket:
                if message.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(message.data)
                await self._on_gateway(socket, payload)
        finally:
            self._sockets.discard(socket)
            if not self._sockets:
                self._connected.clear()
        return socket

    async def _dispatch(self, socket: web.WebSocketResponse, event: str, data: Any) -> None:
        self._sequence += 1
        await socket.send_json({"op": 0, "t": event, "s": self._sequence, "d": data})

    async def _on_gateway(self, socket: web.WebSocketResponse, payload: dict[str, Any]) -> None:
        op = payload.get("op")
        if op == 1:  # heartbeat
            await socket.send_json({"op": 11})
        elif op == 2:  # identify
            self.identifies += 1
            await self._dispatch(socket, "READY", self._ready())
            await self._dispatch(socket, "GUILD_CREATE", self._guild())
            self._connected.set()
        elif op == 6:  # resume
            self.resumes += 1
            await self._dispatch(socket, "RESUMED", {})
            self._connected.set()

    def _ready(self) -> dict[str, Any]:
        return {
            "v": 10,
            "user": BOT_USER,
            "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
            "session_id": "fake-session",
            "resume_gateway_url": self.gateway_url,
            "shard": [0, 1],
            "application": {"id": str(APP_ID), "flags": 0},
            "private_channels": [],
            "relationships": [],
        }

    def _channel(self) -> dict[str, Any]:
        return {
            "id": str(CHANNEL_ID),
            "type": 0,
            "name": "general",
            "position": 0,
            "guild_id": str(GUILD_ID),
            "permission_overwrites": [],
            "flags": 0,
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
        }

    def _guild(self) -> dict[str, Any]:
        everyone = {
            "id": str(GUILD_ID),
            "name": "@everyone",
            "permissions": ALL_PERMISSIONS,
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        return {
            "id": str(GUILD_ID),
            "name": "Fake Guild",
            "owner_id": str(USER_ID),
            "icon": None,
            "roles": [everyone],
            "channels": [self._channel()],
            "members": [],
            "member_count": 2,
            "emojis": [],
            "stickers": [],
            "features": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "voice_states": [],
            "presences": [],
            "large": False,
            "unavailable": False,
            "premium_tier": 0,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "preferred_locale": "en-US",
            "system_channel_flags": 0,
        }

    async def drop_websocket(self) -> None:
        """Close every gateway connection abnormally, as a network failure would."""
        for socket in list(self._sockets):
            await socket.close(code=4000, message=b"dropped by test")

    # --- interactions ---

    async def inject_command(self, name: str, *, user_id: int = USER_ID, **options: Any) -> str:
        """Send INTERACTION_CREATE for ``/name`` from ``user_id``; return the interaction token."""
        interaction_id = self.next_id()
        token = f"token-{interaction_id}"
        self.callbacks[token] = asyncio.get_running_loop().create_future()
        command = next((c for c in self.commands if c["name"] == name), {"id": self.next_id()})
        payload = {
            "id": interaction_id,
            "application_id": str(APP_ID),
            "type": 2,
            "token": token,
            "version": 1,
            "guild_id": str(GUILD_ID),
            "channel_id": str(CHANNEL_ID),
            "channel": self._channel(),
            "member": {
                "user": {**MEMBER_USER, "id": str(user_id)},
                "roles": [],
                "joined_at": "2024-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
                "permissions": ALL_PERMISSIONS,
            },
            "data": {
                "id": command["id"],
                "name": name,
                "type": 1,
                "options": [
                    {"name": key, "type": 3, "value": value} for key, value in options.items()
                ],
            },
            "locale": "en-US",
            "guild_locale": "en-US",
            "app_permissions": ALL_PERMISSIONS,
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(GUILD_ID)},
            "context": 0,
            "attachment_size_limit": 8 * 1024 * 1024,
        }
        socket = next(iter(self._sockets))
        await self._dispatch(socket, "INTERACTION_CREATE", payload)
        return token

    async def wait_callback(self, token: str, timeout: float = 30) -> dict[str, Any]:
        return await asyncio.wait_for(self.callbacks[token], timeout)

    # --- REST ---

    def _message(self, body: dict[str, Any], channel_id: str = str(CHANNEL_ID)) -> dict[str, Any]:
        return {
            "id": self.next_id(),
            "channel_id": channel_id,
            "author": BOT_USER,
            "type": 0,
            "content": body.get("content") or "",
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": [],
            "flags": body.get("flags") or 0,
            "timestamp": "2024-01-01T00:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "pinned": False,
            "nonce": body.get("nonce"),
        }

    async def _body(self, request: web.Request) -> Any:
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    return json.loads(await part.text())
            return {}
        text = await request.text()
        return json.loads(text) if text else None

    def _over_limit(self) -> float | None:
        if self.rate_limit is None:
            return None
        now = time.monotonic()
        self._window = [t for t in self._window if now - t < 1.0]
        if len(self._window) >= self.rate_limit:
            return 1.0 - (now - self._window[0])
        self._window.append(now)
        return None

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await self._body(request)
        self.requests.append(Recorded(request.method, path, dict(request.query), body))
        parts = path.strip("/").split("/")
        method = request.method

        if path == "/users/@me":
            return json_response(BOT_USER)
        if path == "/oauth2/applications/@me":
            return json_response(
                {
                    "id": str(APP_ID),
                    "name": "Dateline",
                    "icon": None,
                    "description": "",
                    "bot_public": True,
                    "bot_require_code_grant": False,
                    "verify_key": "0" * 64,
                    "flags": 0,
                    "owner": MEMBER_USER,
                    "team": None,
                }
            )
        if path == "/gateway/bot":
            return json_response(
                {
                    "url": self.gateway_url,
                    "shards": 1,
                    "session_start_limit": {
                        "total": 1000,
                        "remaining": 999,
                        "reset_after": 0,
                        "max_concurrency": 1,
                    },
                }
            )
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
        if parts[:1] == ["webhooks"]:
            message = self._message(body or {})
            self.messages.append(message)
            return json_response(message)
        if parts[:1] == ["channels"] and parts[-1] == "messages" and method == "POST":
            retry_after = self._over_limit()
            if retry_after is not None:
                self.rate_limited += 1
                return json_response(
                    {
                        "message": "You are being rate limited.",
                        "retry_after": retry_after,
                        "global": True,
                    },
                    status=429,
                    headers={
                        "Via": "1.1 google",
                        "Retry-After": f"{retry_after:.3f}",
                        "X-RateLimit-Global": "true",
                        "X-RateLimit-Scope": "global",
                    },
                )
            failure = self._injected_failure(parts[1])
            if failure is not None:
                return failure
            body = body or {}
            if body.get("enforce_nonce") and body.get("nonce"):
                for earlier in self.messages:  # Discord returns the message it already has
                    if earlier["channel_id"] == parts[1] and earlier["nonce"] == body["nonce"]:
                        return json_response(earlier)
            message = self._message(body, parts[1])
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
        return json_response(
            {"message": f"fake Discord has no {method} {path}", "code": 0}, status=404
        )

    def _injected_failure(self, channel_id: str) -> web.Response | None:
        statuses = self.failures.get(channel_id)
        if not statuses:
            return None
        status = statuses.pop(0)
        if status == 429:
            return json_response(
                {"message": "You are being rate limited.", "retry_after": 0.05, "global": False},
                status=429,
                headers={"Via": "1.1 google", "Retry-After": "0.05", "X-RateLimit-Scope": "user"},
            )
        errors = {
            403: (50013, "Missing Permissions"),
            404: (10003, "Unknown Channel"),
        }
        code, message = errors.get(status, (0, "Service Unavailable"))
        return json_response({"message": message, "code": code}, status=status)

    def channel_messages(self, channel_id: int | str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["channel_id"] == str(channel_id)]

    def _callback(self, token: str, body: dict[str, Any]) -> web.Response:
        future = self.callbacks.get(token)
        if future is not None and not future.done():
            future.set_result(body)
        kind = body.get("type")
        data = body.get("data") or {}
        message = self._message(data) if kind in (4, 5, 7) else None
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
