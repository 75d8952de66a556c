"""The loopback fake Discord that ``dateline run`` processes connect to."""

from __future__ import annotations

import pytest

from tests.fake_discord import FakeDiscord


@pytest.fixture
async def fake():
    server = FakeDiscord()
    await server.start()
    yield server
    await server.stop()
