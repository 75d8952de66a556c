"""The App opens what it owns in one place and closes it in reverse."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.digest.plan import Digest
from bot.errors import ConfigError
from tests.discord.conftest import make_app


class RecordingEndpoint:
    """Notes what it could see of the App when it started and when it closed."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.app: App | None = None

    async def start(self, app: App) -> None:
        await app.store.subscriptions()  # the store is open and migrated already
        self.app = app
        self.seen.append("started with the store open")

    async def close(self) -> None:
        assert self.app is not None
        digests_running = self.app.digests.scheduler.running
        await self.app.store.subscriptions()  # still open: it closes after the endpoint
        self.seen.append(f"closed, digests running: {digests_running}")


class NeverPosts:
    async def post(self, channel_id: int, digest: Digest, nonce: str) -> int:
        raise AssertionError("nothing is due in this test")


async def test_the_app_opens_store_then_endpoint_and_closes_digests_endpoint_store(tmp_path):
    endpoint = RecordingEndpoint()
    app = make_app(tmp_path)
    app.endpoint = endpoint  # the slot a real server plugs into
    with pytest.raises(RuntimeError, match="async with app"):
        _ = app.store  # nothing is opened before the App is entered
    async with app:
        digests = await app.start_digests(NeverPosts())
        assert endpoint.seen == ["started with the store open"]
    assert endpoint.seen[-1] == "closed, digests running: False"
    assert not digests.scheduler.running
    with pytest.raises(RuntimeError):
        _ = app.store


async def test_a_store_that_cannot_open_stops_start_up_in_one_line_before_the_endpoint(tmp_path):
    (tmp_path / "not-a-folder").write_text("a file where the store's folder should be")
    built = make_app(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'not-a-folder' / 'store.sqlite3'}"
    store = built.settings.store.model_copy(update={"url": url})
    settings = built.settings.model_copy(update={"store": store})
    endpoint = RecordingEndpoint()
    app = App(settings, built.archive, endpoint=endpoint)
    with pytest.raises(ConfigError, match=r"^store\.url: cannot open the store"):
        async with app:
            pass
    assert endpoint.seen == []
