"""Start ``dateline run`` as a real process pointed at a :class:`FakeDiscord`."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

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
        # Any free port: tests run side by side, and the default port may be taken.
        "DATELINE_OBSERVE__LISTEN": "127.0.0.1:0",
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


async def observe_base(workdir: Path, timeout: float = 60) -> str:
    """The process's health and metrics address, read from the line it logs when it listens."""
    found: list[str] = []

    async def listening() -> bool:
        log = (workdir / "bot.log").read_text(encoding="utf-8", errors="replace")
        found[:] = re.findall(r"(http://127\.0\.0\.1:\d+)/metrics", log)
        return bool(found)

    await eventually(listening, timeout)
    return found[0]


async def wait_ready(http: aiohttp.ClientSession, base: str, timeout: float = 60) -> None:
    """Until the process's /readyz answers 200: archive, store and every shard ready."""

    async def ready() -> bool:
        async with http.get(f"{base}/readyz") as response:
            return response.status == 200

    await eventually(ready, timeout)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 30) -> None:
    """Poll ``check`` until it is true; fail after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.1)
