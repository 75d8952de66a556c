"""What Discord refuses in a message body, checked by the fake as Discord would.

Discord answers a bad body with 400 and code 50035 ("Invalid Form Body"),
naming each bad field. The fake checks what Dateline could get wrong from
archive data: embed urls (the OpenAPI description's ``format: uri``, and
Discord's own rule that an embed links only to http or https), embed and
content sizes, and component custom ids.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aiohttp import web
from rfc3986_validator import validate_rfc3986

from tests.fake_discord.payloads import json_response

EMBED_URL = 2048
CUSTOM_ID = 100
CONTENT = 2000
EMBED_TOTAL = 6000
EMBED_SIZES = {"title": 256, "description": 4096}


def embed_url_problem(url: str) -> str | None:
    if len(url) > EMBED_URL:
        return f"Must be {EMBED_URL} or fewer in length."
    if not validate_rfc3986(url, rule="URI"):
        return "Not a well formed URL."
    scheme = urlsplit(url).scheme
    if scheme not in ("http", "https"):
        return f"Scheme \"{scheme}\" is not supported. Scheme must be one of ('http', 'https')."
    return None


def message_problems(body: dict[str, Any]) -> dict[str, str]:
    """Field path -> Discord's complaint; empty when Discord would take the body."""
    problems: dict[str, str] = {}
    if len(body.get("content") or "") > CONTENT:
        problems["content"] = f"Must be {CONTENT} or fewer in length."
    embeds = body.get("embeds") or []
    total = 0
    for n, embed in enumerate(embeds):
        if embed.get("url") is not None and (problem := embed_url_problem(embed["url"])):
            problems[f"embeds.{n}.url"] = problem
        for field, limit in EMBED_SIZES.items():
            if len(embed.get(field) or "") > limit:
                problems[f"embeds.{n}.{field}"] = f"Must be {limit} or fewer in length."
        total += sum(len(embed.get(f) or "") for f in EMBED_SIZES)
        total += len((embed.get("footer") or {}).get("text") or "")
    if total > EMBED_TOTAL:
        problems["embeds"] = f"Embed size exceeds maximum size of {EMBED_TOTAL}"
    for r, row in enumerate(body.get("components") or []):
        for c, component in enumerate(row.get("components") or []):
            if len(component.get("custom_id") or "") > CUSTOM_ID:
                problems[f"components.{r}.components.{c}.custom_id"] = "Must be 100 or fewer."
    return problems


def invalid_form_body(problems: dict[str, str]) -> web.Response:
    """Discord's 400 for a body it will not take, each bad field with its reason."""
    errors = {
        path: {"_errors": [{"code": "BASE_TYPE_INVALID", "message": why}]}
        for path, why in problems.items()
    }
    body = {"code": 50035, "message": "Invalid Form Body", "errors": errors}
    return json_response(body, status=400)
