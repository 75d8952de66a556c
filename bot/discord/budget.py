"""One token, one budget: every request Discord counts holds a place of this process's share.

Discord's global limit is 50 requests a second per bot token, counted over every
request the token makes except interactions' (the answer to an interaction and its
follow-ups through the interaction webhook) and the gateway's WebSocket. So the
pacing sits where every request passes, aiohttp's trace hooks, which discord.py
offers as ``http_trace``: a request takes a place of the
:class:`~bot.digest.pacing.BudgetPacer` when aiohttp starts it and gives it back
when its answer's headers arrive or it fails. Digest posts are nearly all of this
bot's counted requests, but a retry after a 429, a lookup at start-up or any request
a later feature adds is counted as well, without each caller having to remember.

Measured from the request's start to its answer rather than around
``channel.send``, a place is not held while discord.py builds the payload or turns
the answer into a message, so a fan-out keeps more of its places busy.

At most :data:`bot.digest.delivery.CONCURRENCY` digests wait for a place at once
(the deliverer's bound), so another request waits behind a second or two of posts
at worst; interactions are answered without waiting at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

import aiohttp
from yarl import URL

from bot.digest.pacing import BudgetPacer

# Paths of requests Discord does not count against the global limit.
UNCOUNTED = ("/interactions/", "/webhooks/")


def counted(url: URL, headers: Mapping[str, str]) -> bool:
    """Whether Discord counts this request against the token's global limit."""
    if headers.get("Upgrade", "").lower() == "websocket":  # the gateway's connection
        return False
    return not any(part in url.path for part in UNCOUNTED)


def pace(trace: aiohttp.TraceConfig, pacer: BudgetPacer) -> aiohttp.TraceConfig:
    """Make every counted request sent through ``trace`` hold a place of ``pacer``."""

    async def on_request_start(
        _session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestStartParams,
    ) -> None:
        if counted(params.url, params.headers):
            await pacer.acquire()  # a cancelled wait takes no place
            context.place = True

    async def on_answered(
        _session: aiohttp.ClientSession, context: SimpleNamespace, _params: object
    ) -> None:
        # A redirect is answered too: aiohttp announces the next request's start anew.
        if getattr(context, "place", False):
            context.place = False
            pacer.release()

    trace.on_request_start.append(on_request_start)
    trace.on_request_end.append(on_answered)
    trace.on_request_redirect.append(on_answered)
    trace.on_request_exception.append(on_answered)
    return trace
