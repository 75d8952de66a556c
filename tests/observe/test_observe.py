"""The operator's endpoint and logs, in process: readiness reasons, JSON lines, listen values."""

from __future__ import annotations

import asyncio
import json
import logging

import aiohttp
import pytest

from bot.config import load_settings
from bot.discord.runner import RedactToken
from bot.errors import ConfigError
from bot.observe import logs
from bot.observe.address import parse_listen
from bot.observe.metrics import Metrics
from bot.observe.ready import ReadyWhen
from bot.observe.server import ObserveServer
from bot.observe.shards import ShardState, ShardWatch
from bot.store import Store


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:9108", ("127.0.0.1", 9108)),
        ("[::1]:80", ("::1", 80)),
        ("0.0.0.0:0", ("0.0.0.0", 0)),
    ],
)
def test_listen_addresses_are_read(value, expected):
    assert parse_listen(value) == expected


@pytest.mark.parametrize("value", ["9108", "localhost", ":9108", "host:99999", "host:http"])
def test_a_bad_listen_address_stops_start_up_with_one_line(tmp_path, value):
    config = tmp_path / "config.toml"
    config.write_text(f'[observe]\nlisten = "{value}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"config.toml: observe.listen: expected \"host:port\""):
        load_settings(config, environ={})


def test_an_empty_listen_address_turns_the_endpoint_off(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text('[observe]\nlisten = ""\n', encoding="utf-8")
    assert load_settings(config, environ={}).observe.listen == ""


def test_a_process_is_ready_only_when_every_shard_it_runs_is():
    shards = ShardWatch()
    assert shards.not_ready() == ["gateway: not connected yet"]
    shards.expect([2, 3])
    shards.set(2, ShardState.READY)
    assert shards.not_ready() == ["shard 3: connecting"]
    shards.set(3, ShardState.READY)
    assert shards.not_ready() == []
    shards.set(2, ShardState.DISCONNECTED)
    assert shards.not_ready() == ["shard 2: disconnected"]


async def test_readyz_names_every_reason_and_healthz_stays_alive(tmp_path):
    path = tmp_path / "store.sqlite3"
    store = Store.open(f"sqlite+aiosqlite:///{path}")
    await store.start()
    shards = ShardWatch()
    articles = [0]
    readiness = ReadyWhen(lambda: articles[0], store, shards)
    server = ObserveServer("127.0.0.1:0")
    await server.serve(Metrics(), readiness)
    try:
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{server.port}"
            async with http.get(f"{base}/readyz") as response:
                assert response.status == 503
                assert (await response.json())["reasons"] == [
                    "archive: no articles loaded",
                    "gateway: not connected yet",
                ]
            articles[0] = 5
            shards.expect([0])
            shards.set(0, ShardState.READY)
            async with http.get(f"{base}/readyz") as response:
                assert (response.status, await response.json()) == (200, {"status": "ready"})
            await store.engine.dispose()
            path.unlink()
            path.mkdir()  # the database file is now a folder: the store is unreachable
            async with http.get(f"{base}/readyz") as response:
                assert response.status == 503
                [reason] = (await response.json())["reasons"]
                assert reason.startswith("store: unreachable")
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 200
    finally:
        await server.close()
        await store.close()


async def test_a_taken_port_stops_start_up_with_one_line():
    async def ready() -> list[str]:
        return []

    first = ObserveServer("127.0.0.1:0")
    await first.serve(Metrics(), ready)
    try:
        second = ObserveServer(f"127.0.0.1:{first.port}")
        with pytest.raises(ConfigError, match=r"observe.listen: cannot listen on 127.0.0.1:\d+"):
            await second.serve(Metrics(), ready)
    finally:
        await first.close()


def test_json_logs_carry_the_interactions_guild_and_command_and_never_the_token(capsys):
    token = "secret-token-value"
    logs.configure(logging.INFO, "json")
    for handler in logging.getLogger().handlers:
        handler.addFilter(RedactToken(token))
    log = logging.getLogger("bot.test")

    async def handle_interaction() -> None:
        logs.bind(guild_id=42, command="search")
        log.warning("slow answer for %s", token)
        try:
            raise RuntimeError(f"login with {token} failed")
        except RuntimeError:
            log.exception("Incident %s", "ab12cd34", extra={"incident": "ab12cd34"})

    try:
        asyncio.run(handle_interaction())
        log.info("outside any interaction")
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    finally:
        logging.getLogger().handlers.clear()
    assert lines[0]["guild_id"] == 42 and lines[0]["command"] == "search"
    assert lines[0]["message"] == "slow answer for [token]"
    assert lines[1]["incident"] == "ab12cd34"
    assert "RuntimeError: login with [token] failed" in lines[1]["exception"]
    assert all(token not in json.dumps(line) for line in lines)
    assert "guild_id" not in lines[2] and lines[2]["level"] == "INFO"
    assert {"time", "level", "logger", "message"} <= set(lines[2])
