"""``dateline run`` as a real process against the loopback fake: the network path SimCord skips."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import pytest

from tests.fake_discord import FakeDiscord
from tests.fake_discord.process import TOKEN, eventually, start_bot

SEED = "{stamp}\n\nWire / {title}. {body}\n"


@pytest.fixture
def archive(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "volcano.txt").write_text(
        SEED.format(stamp="2019-03-26 08:00:00", title="Volcano erupts near village", body="Ash."),
        encoding="utf-8",
    )
    return folder


def embed_text(callback: dict) -> str:
    return " ".join(
        f"{e.get('title', '')} {e.get('description', '')}"
        for e in (callback.get("data") or {}).get("embeds", [])
    )


async def search(fake: FakeDiscord, query: str) -> dict:
    token = await fake.inject_command("search", query=query)
    return await fake.wait_callback(token)


async def test_the_bot_process_end_to_end(fake, archive, tmp_path):
    process = await start_bot(fake, tmp_path, archive)
    try:
        await fake.wait_connected(timeout=60)
        await eventually(lambda: _true(fake.commands))
        names = {c["name"] for c in fake.commands}
        assert {"search", "article", "onthisday", "random", "stats", "invite", "help"} <= names

        answer = await search(fake, "volcanoe")
        assert answer["type"] == 4
        assert answer["data"]["flags"] & 64  # ephemeral
        assert "Volcano erupts near village" in embed_text(answer)

        # SIGHUP reloads the archive without a restart.
        (archive / "glacier.txt").write_text(
            SEED.format(stamp="2020-01-01 10:00:00", title="Glacier calves", body="Ice."),
            encoding="utf-8",
        )
        process.send_signal(signal.SIGHUP)

        async def glacier_found() -> bool:
            return "Glacier calves" in embed_text(await search(fake, "glacier"))

        await eventually(glacier_found)

        # A dropped websocket ends in RESUME, not a new session.
        identifies = fake.identifies
        await fake.drop_websocket()
        await eventually(lambda: _true(fake.resumes >= 1))
        assert fake.identifies == identifies
        assert "Volcano erupts" in embed_text(await search(fake, "volcano"))

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert TOKEN not in log
    assert "Invite link: https://discord.com/oauth2/authorize?client_id=" in log


async def _true(value: object) -> bool:
    return bool(value)


def test_without_a_token_it_says_how_to_get_one(tmp_path):
    environ = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "run"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "DISCORD_TOKEN" in line
    assert "discord.com/developers/applications" in line
