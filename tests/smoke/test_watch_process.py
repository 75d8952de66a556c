"""archive.watch in a real ``dateline run``: an article written after start-up is found."""

from __future__ import annotations

from tests.fake_discord.process import eventually, running_bot
from tests.smoke.bot import embed_text, search, write_story


async def test_a_running_bot_finds_an_article_written_to_its_archive_after_start(
    fake, archive, tmp_path
):
    async with running_bot(fake, tmp_path, archive, DATELINE_ARCHIVE__WATCH="PT1S"):
        await fake.wait_connected(timeout=60)
        assert "Volcano erupts" in embed_text(await search(fake, "volcano"))
        assert "Glacier calves" not in embed_text(await search(fake, "glacier"))

        (archive / "2020").mkdir()  # a new folder, and a file in it: both after start-up
        write_story(archive / "2020", "glacier.txt", "Glacier calves", stamp="2020-01-01 10:00:00")

        async def glacier_found() -> bool:
            return "Glacier calves" in embed_text(await search(fake, "glacier"))

        await eventually(glacier_found, timeout=60)
        assert "Volcano erupts" in embed_text(await search(fake, "volcano"))
    # Stopped: the watcher stops with the bot.
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert "Watching the archive in" in log
    assert log.count("Reloaded the archive: 2 articles") == 1  # one change, one reload
    assert "Traceback" not in log
