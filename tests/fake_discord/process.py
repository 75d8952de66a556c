"""Start ``dateline run`` as a real process pointed at a :class:`FakeDiscord`."""

from __future__ import annotations

import asyncio
import inspect
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
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


@asynccontextmanager
async def running_bot(
    fake: FakeDiscord, workdir: Path, archive: Path, **env: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``dateline run`` (see :func:`start_bot`) for the ``async with`` block.

    After the block the process is sent SIGTERM and must exit with 0 within
    30 s; a block that fails leaves it killed, never running past the test.
    """
    process = await start_bot(fake, workdir, archive, **env)
    try:
        yield process
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


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


async def eventually(check: Callable[[], Awaitable[bool] | bool], timeout: float = 30) -> None:
    """Poll ``check`` (plain or async) until it is true; fail after ``timeout`` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await _holds(check):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(0.1)


async def _holds(check: Callable[[], Awaitable[bool] | bool]) -> bool:
    answer = check()
    return bool(await answer) if inspect.isawaitable(answer) else bool(answer)
