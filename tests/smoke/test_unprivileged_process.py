"""``dateline run`` as an unprivileged process that may write only to its data directory.

The way the image and the unit run it: no root privileges, started from a
folder it cannot write, its config and archive read-only, and one writable
data directory. The process runs in a user namespace (``unshare --user``), so
it holds no capabilities and the permission bits apply to it as to any user;
it must answer /readyz, a /search, and write nothing outside the data directory.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp
import pytest

from tests.fake_discord.process import TOKEN, observe_base, wait_ready

SEED = "2019-03-26 08:00:00\n\nWire / Volcano erupts near village. Ash.\n"
CONFIG = """
[archive]
paths = ["archive"]   # read from this file's folder, not the working directory
[discord]
token_file = "token"
[observe]
listen = "127.0.0.1:0"
"""


def _user_namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "--user", "true"], capture_output=True, check=False)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not _user_namespaces_work(), reason="needs `unshare --user` (util-linux, user namespaces)"
)


@pytest.fixture
def layout():
    """/tmp/…/{etc (config, token, archive: read-only), data (writable), cwd (read-only)}."""
    root = Path(tempfile.mkdtemp(prefix="dateline-unprivileged-"))
    etc, data, cwd = root / "etc", root / "data", root / "cwd"
    (etc / "archive").mkdir(parents=True)
    (etc / "archive" / "volcano.txt").write_text(SEED, encoding="utf-8")
    (etc / "config.toml").write_text(CONFIG, encoding="utf-8")
    (etc / "token").write_text(TOKEN, encoding="utf-8")
    data.mkdir()
    cwd.mkdir()
    for path in [etc / "archive" / "volcano.txt", etc / "config.toml", etc / "token"]:
        path.chmod(0o444)
    for folder in [etc / "archive", etc, cwd]:
        folder.chmod(0o555)
    try:
        yield root
    finally:
        for folder in [etc / "archive", etc, cwd]:
            folder.chmod(0o755)
        shutil.rmtree(root)


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


async def test_runs_unprivileged_from_an_unwritable_folder_writing_only_its_data(fake, layout):
    before = files_under(layout)
    log_path = Path(tempfile.mkdtemp(prefix="dateline-log-")) / "bot.log"
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(layout / "cwd"),  # unwritable too
        "PYTHONDONTWRITEBYTECODE": "1",
        "DATELINE_DATA_DIR": str(layout / "data"),
        "DATELINE_DISCORD_API_BASE": fake.api_base,
    }
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            "unshare", "--user", "--", sys.executable, "-m", "bot", "run",
            "--config", str(layout / "etc" / "config.toml"),
            cwd=layout / "cwd", env=environ, stdout=log, stderr=log,
            stdin=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
    try:
        base = await observe_base(log_path.parent)
        async with aiohttp.ClientSession() as http:
            await wait_ready(http, base)
        token = await fake.inject_command("search", query="volcano")
        answer = await fake.wait_callback(token)
        assert "Volcano erupts near village" in str(answer)
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 30)
    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    assert code == 0, log_text
    assert "Permission denied" not in log_text
    assert TOKEN not in log_text
    written = files_under(layout) - before
    assert written and all(layout / "data" in path.parents for path in written), written
    assert (layout / "data" / "dateline.sqlite3") in written
    shutil.rmtree(log_path.parent)
