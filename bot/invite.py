"""The link server admins use to add Dateline, asking only for what it needs."""

from __future__ import annotations

from urllib.parse import urlencode

VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
PERMISSIONS = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES  # 52224


def invite_url(client_id: int) -> str:
    query = urlencode(
        {"client_id": client_id, "scope": "bot applications.commands", "permissions": PERMISSIONS}
    )
    return f"https://discord.com/oauth2/authorize?{query}".replace("%20", "+")
