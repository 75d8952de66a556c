"""A real ``dateline run`` process seen as its operator sees it: /healthz, /readyz, /metrics.

The fake holds the gateway's READY back until the test lets it go, so the
test sees the process alive but not ready first, then ready; then one
/search and one day's digests (one sent, one refused with 403, one answered
with a 429 first) must move the counters.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.store import Store
from tests.fake_discord import FakeDiscord
from tests.fake_discord.process import TOKEN, eventually, observe_base, running_bot, wait_ready

SEED = "{stamp}\n\nWire / {title}. Body.\n"
DUE = datetime.now(UTC) - timedelta(minutes=10)


@pytest.fixture
def archive(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    for years_ago in (1, 3):
        stamp = f"{DUE.year - years_ago}-{DUE:%m-%d} 12:00:00"
        (folder / f"story{years_ago}.txt").write_text(
            SEED.format(stamp=stamp, title=f"Volcano story from {years_ago} years back"),
            encoding="utf-8",
        )
    return folder


async def subscribe(workdir, channels: list[int]) -> None:
    """Subscriptions made yesterday, due 10 minutes ago: start-up catch-up posts them."""
    store = Store.open(f"sqlite+aiosqlite:///{workdir / 'data' / 'dateline.sqlite3'}")
    await store.start()
    for channel in channels:
        await store.subscribe(
            1, channel, local_time=f"{DUE:%H:%M}", timezone="UTC", now=DUE - timedelta(days=1)
        )
    await store.close()


def hold_ready(fake) -> asyncio.Event:
    """READY waits until the returned event is set (the bot's IDENTIFY is answered late)."""
    release = asyncio.Event()
    identify = fake.gateway._identify

    async def held(*args, **kwargs):
        await release.wait()
        await identify(*args, **kwargs)

    fake.gateway._identify = held
    return release


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


async def test_health_readiness_and_metrics_of_a_running_bot(fake, archive, tmp_path):
    sent, refused, limited = (
        1_100_000_000_000_000_950,
        1_100_000_000_000_000_951,
        1_100_000_000_000_000_952,
    )
    await subscribe(tmp_path, [sent, refused, limited])
    fake.failures = {str(refused): [403], str(limited): [429]}
    release = hold_ready(fake)
    async with running_bot(fake, tmp_path, archive, DATELINE_LOGGING__FORMAT="json"):
        base = await observe_base(tmp_path)
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{base}/healthz") as response:
                assert response.status == 200
            async with http.get(f"{base}/readyz") as response:
                assert response.status == 503
                reasons = (await response.json())["reasons"]
                assert reasons and all("shard" in r or "gateway" in r for r in reasons)

            release.set()

            await wait_ready(http, base)
            token = await fake.inject_command("search", query="volcanoe")
            answer = await fake.wait_callback(token)
            assert "Volcano story" in json.dumps(answer)
            await eventually(lambda: bool(fake.channel_messages(sent)), timeout=60)
            await eventually(lambda: bool(fake.channel_messages(limited)), timeout=60)

            async def scraped() -> dict:
                async with http.get(f"{base}/metrics") as response:
                    assert response.status == 200
                    return samples(await response.text())

            async def paused_counted() -> bool:
                return scraped_has(await scraped(), "dateline_digests_total", outcome="paused")

            await eventually(paused_counted, timeout=30)
            metrics = await scraped()

    def value(name: str, **labels: str) -> float:
        return metrics.get((name, frozenset(labels.items())), 0.0)

    assert value("dateline_interactions_total", command="search", outcome="ok") == 1
    assert value("dateline_interaction_answer_seconds_count", command="search") == 1
    assert value("dateline_search_seconds_count") >= 1
    assert value("dateline_digests_total", outcome="sent") == 2
    assert value("dateline_digests_total", outcome="paused") == 1
    assert value("dateline_discord_rate_limited_total") >= 1
    assert value("dateline_archive_articles") == 2
    assert value("dateline_gateway_shard_ready", shard="0") == 1
    assert value("dateline_gateway_shard_state", shard="0", state="ready") == 1
    # Labels hold command names and outcomes, never what was typed or who typed it.
    assert not any("volcanoe" in str(key) for key in metrics)

    lines = (tmp_path / "bot.log").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]  # every line one JSON object
    assert {"time", "level", "logger", "message"} <= set(entries[0])
    assert TOKEN not in "\n".join(lines)


def scraped_has(metrics: dict, name: str, **labels: str) -> bool:
    return metrics.get((name, frozenset(labels.items())), 0.0) > 0


async def test_a_process_running_two_shards_is_ready_only_when_both_are(tmp_path, archive):
    fake = FakeDiscord(shards=2, max_concurrency=2)
    await fake.start()
    release = asyncio.Event()
    identify = fake.gateway._identify

    async def hold_shard_one(socket, client, data):
        if data.get("shard", [0, 1])[0] == 1:
            await release.wait()
        await identify(socket, client, data)

    fake.gateway._identify = hold_shard_one
    try:
        async with running_bot(fake, tmp_path, archive):
            base = await observe_base(tmp_path)
            await fake.wait_shards({0})
            async with aiohttp.ClientSession() as http:

                async def readiness() -> tuple[int, dict]:
                    async with http.get(f"{base}/readyz") as response:
                        return response.status, await response.json()

                async def only_shard_one_missing() -> bool:
                    return await readiness() == (
                        503,
                        {"status": "not ready", "reasons": ["shard 1: connecting"]},
                    )

                await eventually(only_shard_one_missing, timeout=60)
                release.set()

                await wait_ready(http, base)
                async with http.get(f"{base}/metrics") as response:
                    metrics = samples(await response.text())
    finally:
        await fake.stop()
    for shard in ("0", "1"):
        assert metrics[("dateline_gateway_shard_ready", frozenset({("shard", shard)}))] == 1
