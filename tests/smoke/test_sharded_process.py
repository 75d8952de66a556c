"""One ``dateline run`` with no cluster settings runs every shard Discord asks for."""

from __future__ import annotations

import asyncio
import signal

import pytest

from tests.fake_discord import FakeDiscord
from tests.fake_discord.process import eventually, start_bot

SEED = "2019-03-26 08:00:00\n\nWire / Volcano erupts near village. Ash.\n"


@pytest.fixture
def archive(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "volcano.txt").write_text(SEED, encoding="utf-8")
    return folder


async def test_one_process_runs_every_shard_and_comes_back_from_an_invalid_session(
    archive, tmp_path
):
    fake = FakeDiscord(shards=2, max_concurrency=1)
    guilds = [fake.add_guild(shard) for shard in (0, 1)]
    await fake.start()
    # As if another session of the token had just started: the first IDENTIFY gets op 9.
    fake.identify_limit.refuse_next = 1
    process = await start_bot(fake, tmp_path, archive)
    try:
        await fake.wait_shards(timeout=90)
        await eventually(lambda: _true(fake.commands))
        for guild in guilds:  # each answered on its own shard's connection
            token = await fake.inject_command("search", guild_id=guild.id, query="volcano")
            answer = await fake.wait_callback(token)
            assert "Volcano erupts" in str(answer["data"]["embeds"])
        assert fake.invalid_sessions == 1
        # The refused shard identified again on the fake's gateway, not on Discord's own.
        assert sorted(i.shard_id for i in fake.identify_limit.accepted) == [0, 1]
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await fake.stop()


async def _true(value: object) -> bool:
    return bool(value)
