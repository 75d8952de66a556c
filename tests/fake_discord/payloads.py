"""The JSON shapes fake Discord sends: users, guilds, channels, messages.

Only fields discord.py reads (or breaks without) are filled in; each builder
takes the few values a test varies.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

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
APPLICATION = {
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


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None):
    # aiohttp's web.json_response says "application/json; charset=utf-8", which discord.py
    # does not treat as JSON; the body must be declared as exactly application/json.
    response = web.Response(body=json.dumps(payload).encode(), status=status, headers=headers)
    response.headers["Content-Type"] = "application/json"
    return response


def rate_limited(retry_after: float, *, scope: str) -> web.Response:
    """A 429 as Discord sends it: without ``Via``, discord.py takes it for a Cloudflare ban."""
    headers = {
        "Via": "1.1 google",
        "Retry-After": f"{retry_after:.3f}",
        "X-RateLimit-Scope": scope,
    }
    if scope == "global":
        headers["X-RateLimit-Global"] = "true"
    body = {
        "message": "You are being rate limited.",
        "retry_after": retry_after,
        "global": scope == "global",
    }
    return json_response(body, status=429, headers=headers)


def channel(channel_id: int, guild_id: int, name: str = "general") -> dict[str, Any]:
    return {
        "id": str(channel_id),
        "type": 0,
        "name": name,
        "position": 0,
        "guild_id": str(guild_id),
        "permission_overwrites": [],
        "flags": 0,
        "nsfw": False,
        "parent_id": None,
        "topic": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
    }


def guild(guild_id: int, channel_ids: list[int], name: str = "Fake Guild") -> dict[str, Any]:
    """GUILD_CREATE's payload: the guild with its channels and an all-permissions @everyone."""
    everyone = {
        "id": str(guild_id),
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
        "id": str(guild_id),
        "name": name,
        "owner_id": str(USER_ID),
        "icon": None,
        "roles": [everyone],
        "channels": [channel(c, guild_id, f"channel-{n}") for n, c in enumerate(channel_ids)],
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


def message(message_id: str, body: dict[str, Any], channel_id: str) -> dict[str, Any]:
    return {
        "id": message_id,
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


def member(user_id: int) -> dict[str, Any]:
    return {
        "user": {**MEMBER_USER, "id": str(user_id)},
        "roles": [],
        "joined_at": "2024-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
        "permissions": ALL_PERMISSIONS,
    }
