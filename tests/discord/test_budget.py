"""Every request Discord counts holds a place of the budget; interactions' never wait.

Real aiohttp requests, traced as discord.py traces them (``http_trace``), against a
small aiohttp server on the loopback that notes when each request arrives.
"""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from aiohttp import web
from yarl import URL

from bot.digest.pacing import BudgetPacer
from bot.discord.budget import counted, pace
from tests.fake_discord.limits import busiest_second

API = "/api/v10"


@pytest.mark.parametrize(
    ("path", "headers", "expected"),
    [
        (f"{API}/channels/1/messages", {}, True),
        (f"{API}/gateway/bot", {}, True),
        (f"{API}/applications/1/commands", {}, True),
        (f"{API}/interactions/1/token/callback", {}, False),
        (f"{API}/webhooks/1/token", {}, False),
        (f"{API}/webhooks/1/token/messages/@original", {}, False),
        ("/", {"Upgrade": "websocket"}, False),
    ],
)
def test_what_discord_counts_against_the_global_limit(path, headers, expected):
    assert counted(URL(f"https://discord.com{path}"), headers) is expected


@pytest.fixture
async def server():
    """A loopback server answering every request; ``arrivals`` are (path, time) in order."""
    arrivals: list[tuple[str, float]] = []

    async def answer(request: web.Request) -> web.Response:
        arrivals.append((request.path, time.monotonic()))
        return web.json_response({})

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}", arrivals
    finally:
        await runner.cleanup()


async def test_counted_requests_keep_to_the_budget_and_interactions_pass(server):
    base, arrivals = server
    budget = 2
    trace = pace(aiohttp.TraceConfig(), BudgetPacer(budget))
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:

        async def post(path: str) -> None:
            async with session.post(f"{base}{path}", json={}) as response:
                assert response.status == 200

        posts = [asyncio.create_task(post(f"{API}/channels/{n}/messages")) for n in range(6)]
        await asyncio.sleep(0.2)  # the first places are taken; the other posts wait
        await post(f"{API}/interactions/1/token/callback")
        await asyncio.gather(*posts)

    order = [path for path, _ in arrivals]
    counted_at = [at for path, at in arrivals if "/channels/" in path]
    assert len(counted_at) == 6
    assert busiest_second(counted_at) <= budget
    # The interaction did not queue behind the posts waiting for a place.
    assert order.index(f"{API}/interactions/1/token/callback") < len(order) - 1


async def test_a_request_that_fails_gives_its_place_back(server):
    base, arrivals = server
    trace = pace(aiohttp.TraceConfig(), BudgetPacer(1))
    async with aiohttp.ClientSession(trace_configs=[trace]) as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.post(f"http://127.0.0.1:9{API}/channels/1/messages")  # nobody listens
        # With its place lost, this one would wait for ever: one place in all.
        async with asyncio.timeout(30):
            async with session.post(f"{base}{API}/channels/2/messages") as response:
                assert response.status == 200
    assert [path for path, _ in arrivals] == [f"{API}/channels/2/messages"]
