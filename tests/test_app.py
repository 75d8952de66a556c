"""The App opens what it owns in one place and closes it in reverse."""

from __future__ import annotations

import asyncio

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


async def test_updates_are_merged_in_the_background_as_the_policy_asks(tmp_path):
    built = make_app(tmp_path)
    search = built.settings.search.model_copy(update={"merge_factor": 2})
    app = App(built.settings.model_copy(update={"search": search}), built.archive)
    async with app:
        await app.merge_in_background()  # one segment at start: nothing to merge
        assert len(app.archive.current.index.segments) == 1
        (tmp_path / "archive" / "late.txt").write_text(
            "2024-03-26 09:00:00\n\nWire / Glacier retreat measured. Ice thins.\n",
            encoding="utf-8",
        )
        await app.reload_here()  # the update adds a segment; two small ones make a tier
        for _ in range(400):  # the reload started the merge: wait for it to be swapped in
            if len(app.archive.current.index.segments) == 1:
                break
            await asyncio.sleep(0.05)
        merged = app.archive.current.index
        assert len(merged.segments) == 1
        assert merged.search("glacier retreat")[0].article.title == "Glacier retreat measured"
    reopened = App.open(app.settings).archive.current  # what the cache kept: the merged index
    assert reopened.from_cache
    assert len(reopened.index.segments) == 1
    assert [a.id for a in reopened.index.articles] == [a.id for a in merged.articles]
