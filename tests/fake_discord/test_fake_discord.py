"""The fake behaves like Discord where a sharded bot would notice, checked with discord.py.

These tests hold the fake to Discord's documented rules (shards, session
start limits, close codes, the global rate limit), so that tests built on it
(tests/smoke, tests/cluster) prove something about the real service.
"""

from __future__ import annotations

import asyncio
import itertools
import random

import aiohttp
import discord
import pytest
import yarl
from discord.gateway import DiscordWebSocket

from tests.fake_discord import FakeDiscord
from tests.fake_discord.limits import busiest_second, guild_id_on_shard, shard_of
from tests.fake_discord.process import TOKEN


@pytest.mark.parametrize("shard_count", [1, 2, 3, 16])
def test_guild_ids_land_on_the_shard_asked_for(shard_count):
    made = {
        (shard, ordinal): guild_id_on_shard(shard, shard_count, ordinal)
        for shard, ordinal in itertools.product(range(shard_count), range(5))
    }
    for (shard, _), guild_id in made.items():
        # Discord's rule, as discord.py applies it to its own Guild objects.
        assert (guild_id >> 22) % shard_count == shard == shard_of(guild_id, shard_count)
    assert len(set(made.values())) == len(made)
    with pytest.raises(ValueError, match="not one of"):
        guild_id_on_shard(shard_count, shard_count)


def test_busiest_second_matches_counting_every_window():
    rng = random.Random(3)
    for _ in range(50):
        times = [rng.uniform(0, 5) for _ in range(rng.randrange(0, 80))]
        brute = max((sum(t <= u < t + 1.0 for u in times) for t in times), default=0)
        assert busiest_second(times) == brute


@pytest.fixture
def point_discord_py_at(monkeypatch):
    def point(fake: FakeDiscord) -> None:
        monkeypatch.setattr(discord.http.Route, "BASE", fake.api_base)
        # Where discord.py goes after op 9 or with a pinned shard count.
        monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(fake.gateway_url))

    return point


async def started(client: discord.Client) -> asyncio.Task:
    await client.login(TOKEN)
    return asyncio.create_task(client.connect(reconnect=True))


async def stopped(client: discord.Client, task: asyncio.Task) -> None:
    await client.close()
    await asyncio.wait_for(task, 10)


async def test_an_auto_sharded_client_gets_each_shards_guilds_on_that_shard(point_discord_py_at):
    fake = FakeDiscord(shards=2, max_concurrency=1)
    guilds = {shard: [fake.add_guild(shard).id for _ in range(2)] for shard in (0, 1)}
    await fake.start()
    point_discord_py_at(fake)
    client = discord.AutoShardedClient(intents=discord.Intents(guilds=True))
    ready = asyncio.Event()
    client.event(_set_on("on_ready", ready))
    task = await started(client)
    try:
        await asyncio.wait_for(ready.wait(), 30)
        assert client.shard_count == 2  # taken from /gateway/bot
        for shard, ids in guilds.items():
            for guild_id in ids:
                guild = client.get_guild(guild_id)
                assert guild is not None and guild.shard_id == shard
        by_shard = {(i.shard_id, i.shard_count) for i in fake.identify_limit.log}
        assert by_shard == {(0, 2), (1, 2)}
        # discord.py waits 5 s before each IDENTIFY after the first: no session refused.
        assert fake.invalid_sessions == 0
        first, second = fake.identify_limit.accepted
        assert second.at - first.at >= 5.0
    finally:
        await stopped(client, task)
        await fake.stop()


async def test_two_processes_identifying_at_once_overrun_max_concurrency_1(point_discord_py_at):
    """The cluster problem: each process alone is polite, together they are not."""
    fake = FakeDiscord(shards=2, max_concurrency=1)
    await fake.start()
    point_discord_py_at(fake)
    clients = [
        discord.AutoShardedClient(
            intents=discord.Intents(guilds=True), shard_count=2, shard_ids=[shard]
        )
        for shard in (0, 1)
    ]
    tasks = [await started(c) for c in clients]
    try:
        await fake.wait_shards({0, 1}, timeout=30)
        [refused] = fake.identify_limit.invalid_sessions
        accepted = fake.identify_limit.accepted
        assert {i.shard_id for i in accepted} == {0, 1}
        assert refused.shard_id in {0, 1} and refused.bucket == 0
        # After op 9 discord.py waited and identified again, this time within the limit.
        assert accepted[1].at - accepted[0].at >= 5.0
        assert fake.gateway.live_shards() == {0, 1}
    finally:
        for client, task in zip(clients, tasks, strict=True):
            await stopped(client, task)
        await fake.stop()


async def test_buckets_start_together_and_interactions_reach_the_guilds_shard(
    point_discord_py_at,
):
    fake = FakeDiscord(shards=2, max_concurrency=2)
    on_shard = {shard: fake.add_guild(shard) for shard in (0, 1)}
    await fake.start()
    point_discord_py_at(fake)
    received: dict[int, list[int]] = {0: [], 1: []}
    clients = []
    for shard in (0, 1):
        client = discord.AutoShardedClient(
            intents=discord.Intents(guilds=True), shard_count=2, shard_ids=[shard]
        )

        async def on_interaction(interaction, shard=shard):
            received[shard].append(interaction.guild_id)

        client.event(on_interaction)
        clients.append(client)
    tasks = [await started(c) for c in clients]
    try:
        await fake.wait_shards(timeout=30)
        assert fake.invalid_sessions == 0  # buckets 0 and 1: both may start at once
        for client, (shard, guild) in zip(clients, on_shard.items(), strict=True):
            assert guild.id in {g.id for g in client.guilds}
            assert {g.shard_id for g in client.guilds} == {shard}  # nothing of the other shard
        for guild in (on_shard[1], on_shard[0], on_shard[1]):
            await fake.inject_command("search", guild_id=guild.id, query="x")

        async def all_arrived() -> bool:
            return sum(map(len, received.values())) == 3

        await _until(all_arrived)
        assert received == {0: [on_shard[0].id], 1: [on_shard[1].id, on_shard[1].id]}
    finally:
        for client, task in zip(clients, tasks, strict=True):
            await stopped(client, task)
        await fake.stop()


async def test_a_bot_that_does_not_shard_enough_is_closed_with_4011(point_discord_py_at):
    fake = FakeDiscord(shards=2)
    await fake.start()
    point_discord_py_at(fake)
    client = discord.Client(intents=discord.Intents(guilds=True))  # one shard, no "shard" sent
    try:
        await client.login(TOKEN)
        with pytest.raises(discord.ConnectionClosed) as closed:
            await asyncio.wait_for(client.connect(reconnect=True), 30)
        assert closed.value.code == 4011
    finally:
        await client.close()
        await fake.stop()


async def _identify(session: aiohttp.ClientSession, fake: FakeDiscord, shard) -> dict | int:
    """Connect, IDENTIFY with ``shard``: the first event back, or the close code."""
    async with session.ws_connect(fake.gateway_url) as socket:
        hello = await socket.receive_json()
        assert hello["op"] == 10
        d = {"token": TOKEN, "intents": 1, "properties": {}}
        if shard is not None:
            d["shard"] = shard
        await socket.send_json({"op": 2, "d": d})
        message = await socket.receive()
        if message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
            return socket.close_code
        return message.json()


async def test_identify_beyond_a_buckets_rate_gets_op_9_and_bad_shards_are_closed():
    fake = FakeDiscord(shards=4, max_concurrency=2)
    await fake.start()
    try:
        async with aiohttp.ClientSession() as session:
            ready = await _identify(session, fake, [0, 4])
            assert (ready["t"], ready["d"]["shard"]) == ("READY", [0, 4])
            assert (await _identify(session, fake, [1, 4]))["t"] == "READY"  # bucket 1
            assert await _identify(session, fake, [2, 4]) == {"op": 9, "d": False}  # bucket 0
            assert await _identify(session, fake, [4, 4]) == 4010
            assert await _identify(session, fake, [0, 0]) == 4010
            assert await _identify(session, fake, [0, 2]) == 4011  # fewer than required
            assert await _identify(session, fake, None) == 4011
        [refused] = fake.identify_limit.invalid_sessions
        assert (refused.shard_id, refused.bucket) == (2, 0)
        assert fake.gateway.closed_with == [4010, 4010, 4011, 4011]
    finally:
        await fake.stop()


async def test_gateway_bot_reports_shards_and_max_concurrency():
    fake = FakeDiscord(shards=16, max_concurrency=4)
    await fake.start()
    try:
        async with (
            aiohttp.ClientSession() as session,
            session.get(f"{fake.api_base}/gateway/bot") as response,
        ):
            answer = await response.json()
        assert answer["shards"] == 16
        assert answer["session_start_limit"]["max_concurrency"] == 4
        assert answer["url"] == fake.gateway_url
    finally:
        await fake.stop()


async def test_the_global_limit_answers_429_as_discord_does_and_spares_interactions():
    fake = FakeDiscord()
    await fake.start()
    try:
        async with aiohttp.ClientSession() as session:
            statuses = []
            for _ in range(51):
                async with session.get(f"{fake.api_base}/users/@me") as response:
                    statuses.append(response.status)
                    headers, body = response.headers, await response.json()
            assert statuses == [200] * 50 + [429]
            assert headers["Via"]
            assert headers["X-RateLimit-Global"] == "true"
            assert body["global"] is True and 0 < body["retry_after"] <= 1.0
            callback = f"{fake.api_base}/interactions/1/token-1/callback"
            async with session.post(callback, json={"type": 5}) as response:
                assert response.status == 200  # interaction endpoints are not limited
        assert fake.rate_limited == 1
    finally:
        await fake.stop()


async def test_an_unpaced_discord_py_sender_draws_429s_and_waits_them_out(point_discord_py_at):
    fake = FakeDiscord()
    await fake.start()
    point_discord_py_at(fake)
    client = discord.Client(intents=discord.Intents.none())
    try:
        await client.login(TOKEN)
        first = 1_500_000_000_000_000_000
        channels = [client.get_partial_messageable(first + n) for n in range(80)]
        await asyncio.gather(*(c.send("hi") for c in channels))
        assert len(fake.messages) == 80  # discord.py retried after each global 429
        assert fake.rate_limited > 0
        admitted = [r.at for r in fake.requests if r.status != 429]
        assert busiest_second(admitted) <= 50
    finally:
        await client.close()
        await fake.stop()


async def test_requests_are_tagged_with_the_process_that_sent_them():
    fake = FakeDiscord()
    await fake.start()
    try:
        async with aiohttp.ClientSession() as session:
            for name in ("p0", "p1"):
                async with session.get(f"{fake.api_base_for(name)}/gateway/bot") as response:
                    assert (await response.json())["url"] == fake.gateway_url_for(name)
        assert [r.client for r in fake.requests] == ["p0", "p1"]
    finally:
        await fake.stop()


def _set_on(name: str, event: asyncio.Event):
    async def handler(*_args) -> None:
        event.set()

    handler.__name__ = name
    return handler


async def _until(check, timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)
