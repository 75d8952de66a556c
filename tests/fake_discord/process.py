"""Start ``dateline run`` as a real process pointed at a :class:`FakeDiscord`."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

from tests.fake_discord.server import FakeDiscord

TOKEN = "fake-token-Zm9vYmFyYmF6.never-log-me"


async def start_bot(
    fake: FakeDiscord, workdir: Path, archive: Path, **env: str
) -> asyncio.subprocess.Process:
    log = (workdir / "bot.log").open("wb")
    environ = {
        **os.environ,
        "DISCORD_TOKEN": TOKEN,
        "DATELINE_DISCORD_API_BASE": fake.api_base,
        "DATELINE_SEARCH__CACHE_DIR": str(workdir / "cache"),
        "DATELINE_ARCHIVE__PATHS": f'["{archive}"]',
        **env,
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        cwd=workdir,
        env=environ,
        stdout=log,
        stderr=log,
        stdin=asyncio.subprocess.DEVNULL,
    )


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30) -> None:
    """Poll ``check`` until it is true; fail after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.1)
