"""``dateline run`` as a real process against the loopback fake: the network path SimCord skips."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.fake_discord.process import TOKEN, eventually, running_bot
from tests.smoke.bot import embed_text, search, write_story


async def test_the_bot_process_end_to_end(fake, archive, tmp_path):
    async with running_bot(fake, tmp_path, archive) as process:
        await fake.wait_connected(timeout=60)
        await eventually(lambda: bool(fake.commands))
        names = {c["name"] for c in fake.commands}
        assert {"search", "article", "onthisday", "random", "stats", "invite", "help"} <= names

        answer = await search(fake, "volcanoe")
        assert answer["type"] == 4
        assert answer["data"]["flags"] & 64  # ephemeral
        assert "Volcano erupts near village" in embed_text(answer)

        # SIGHUP reloads the archive without a restart.
        write_story(archive, "glacier.txt", "Glacier calves", stamp="2020-01-01 10:00:00")
        process.send_signal(signal.SIGHUP)

        async def glacier_found() -> bool:
            return "Glacier calves" in embed_text(await search(fake, "glacier"))

        await eventually(glacier_found)

        # A dropped websocket ends in RESUME, not a new session.
        identifies = fake.identifies
        await fake.drop_websocket()
        await eventually(lambda: fake.resumes >= 1)
        assert fake.identifies == identifies
        assert "Volcano erupts" in embed_text(await search(fake, "volcano"))
    log = (tmp_path / "bot.log").read_text(encoding="utf-8")
    assert TOKEN not in log
    assert "Invite link: https://discord.com/oauth2/authorize?client_id=" in log


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
