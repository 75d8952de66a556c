"""archive.watch in a real ``dateline run``: an article written after start-up is found."""

from __future__ import annotations

import asyncio
import itertools
import signal

from tests.fake_discord import FakeDiscord
from tests.fake_discord.process import eventually, start_bot
from tests.smoke.test_run_process import SEED, embed_text

USERS = itertools.count(10**17)


async def search(fake: FakeDiscord, query: str) -> dict:
    """/search as a new user each time: polling as one would meet the 5-in-10-s cooldown."""
    token = await fake.inject_command("search", query=query, user_id=next(USERS))
    return await fake.wait_callback(token)


async def test_a_running_bot_finds_an_article_written_to_its_archive_after_start(fake, tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "volcano.txt").write_text(
        SEED.format(stamp="2019-03-26 08:00:00", title="Volcano erupts near village", body="Ash."),
        encoding="utf-8",
    )
    process = await start_bot(fake, tmp_path, archive, DATELINE_ARCHIVE__WATCH="PT1S")
    try:
        await fake.wait_connected(timeout=60)
        assert "Volcano erupts" in embed_text(await search(fake, "volcano"))
        assert "Glacier calves" not in embed_text(await search(fake, "glacier"))

        (archive / "2020").mkdir()  # a new folder, and a file in it: both after start-up
        (archive / "2020" / "glacier.txt").write_text(
            SEED.format(stamp="2020-01-01 10:00:00", title="Glacier calves", body="Ice."),
            encoding="utf-8",
        )

        async def glacier_found() -> bool:
            return "Glacier calves" in embed_text(await search(fake, "glacier"))

        await eventually(glacier_found, timeout=60)
        assert "Volcano erupts" in embed_text(await search(fake, "volcano"))

        process.send_signal(signal.SIGTERM)  # the watcher stops with the bot
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert "Watching the archive in" in log
    assert log.count("Reloaded the archive: 2 articles") == 1  # one change, one reload
    assert "Traceback" not in log
