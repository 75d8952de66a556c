"""The loopback fake Discord that ``dateline run`` processes connect to, and their archive."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fake_discord import FakeDiscord
from tests.smoke.bot import write_story


@pytest.fixture
async def fake():
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    """An archive folder holding one story: "Volcano erupts near village"."""
    folder = tmp_path / "archive"
    folder.mkdir()
    write_story(folder, "volcano.txt", "Volcano erupts near village")
    return folder
