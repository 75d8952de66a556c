"""Background merges in a real ``dateline run``: done by a child process, the bot serving on."""

from __future__ import annotations

import asyncio
import signal

import orjson

from bot.search import cache
from tests.fake_discord.process import eventually, start_bot
from tests.smoke.test_run_process import SEED, embed_text
from tests.smoke.test_watch_process import search


async def test_a_running_bot_merges_an_update_in_a_child_process(fake, tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "volcano.txt").write_text(
        SEED.format(stamp="2019-03-26 08:00:00", title="Volcano erupts near village", body="Ash."),
        encoding="utf-8",
    )
    process = await start_bot(
        fake,
        tmp_path,
        archive,
        DATELINE_ARCHIVE__WATCH="PT1S",
        DATELINE_SEARCH__MERGE_FACTOR="2",  # the base and one update: a tier to merge
    )
    folder = cache.folder_for(tmp_path / "cache")
    try:
        await fake.wait_connected(timeout=60)
        (archive / "glacier.txt").write_text(
            SEED.format(stamp="2020-01-01 10:00:00", title="Glacier calves", body="Ice."),
            encoding="utf-8",
        )

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

        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert "Merged 2 segments in a child process" in log
    assert "Traceback" not in log
