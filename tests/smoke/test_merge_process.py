"""Background merges in a real ``dateline run``: done by a child process, the bot serving on."""

from __future__ import annotations

import orjson

from bot.search import cache
from tests.fake_discord.process import eventually, running_bot
from tests.smoke.bot import embed_text, search, write_story


async def test_a_running_bot_merges_an_update_in_a_child_process(fake, archive, tmp_path):
    folder = cache.folder_for(tmp_path / "cache")
    async with running_bot(
        fake,
        tmp_path,
        archive,
        DATELINE_ARCHIVE__WATCH="PT1S",
        DATELINE_SEARCH__MERGE_FACTOR="2",  # the base and one update: a tier to merge
    ) as process:
        await fake.wait_connected(timeout=60)
        write_story(archive, "glacier.txt", "Glacier calves", stamp="2020-01-01 10:00:00")

        async def merged() -> bool:
            return len(cache.manifest_segments(folder)) == 1 and "Merged" in (
                tmp_path / "bot.log"
            ).read_text(encoding="utf-8")

        await eventually(merged, timeout=60)
        assert "Glacier calves" in embed_text(await search(fake, "glacier"))
        assert "Volcano erupts" in embed_text(await search(fake, "volcano"))
        (name,) = cache.manifest_segments(folder)
        record = orjson.loads((folder / name / cache.MERGED).read_bytes())
        assert record["pid"] != process.pid  # the bot did not merge: its child did
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert "Merged 2 segments in a child process" in log
    assert "Traceback" not in log
