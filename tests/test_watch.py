"""archive.watch: a running App reloads its archive when the files change, once per burst.

These run the real watcher (watchfiles, both its inotify and its polling
backend) on a folder of the test's own; time enters only as generous timeouts.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from watchfiles import Change

from bot.app import App
from bot.archive.watch import ArchivePaths, ArchiveWatcher
from bot.config import Settings
from bot.snapshot import ArchiveHolder
from tests.fake_discord.process import eventually

QUIET = timedelta(seconds=1)
STORY = "{stamp}\n\nWire / {title}. {body}\n"


def write_story(folder: Path, name: str, title: str) -> None:
    (folder / name).write_text(
        STORY.format(stamp="2019-03-26 08:00:00", title=title, body="Words."), encoding="utf-8"
    )


def settings_for(tmp_path: Path, **archive: object) -> Settings:
    folder = tmp_path / "archive"
    if not folder.exists():
        folder.mkdir()
        write_story(folder, "volcano.txt", "Volcano erupts near village")
    return Settings.model_validate(
        {
            "archive": {"paths": [str(folder)], **archive},
            "search": {"cache_dir": str(tmp_path / "cache")},
            "store": {"url": f"sqlite+aiosqlite:///{tmp_path / 'store.sqlite3'}"},
        }
    )


class CountingReloads:
    """The App's own reload, counted: how many times the watcher asked for one."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.calls = 0
        self.answers: list[str] = []

    async def __call__(self) -> str:
        self.calls += 1
        answer = await self.app.reload_here()
        self.answers.append(answer)
        return answer


def titles(app: App) -> set[str]:
    return {article.title for article in app.archive.current.index.articles}


async def settled(reloads: CountingReloads, count: int) -> None:
    """Until ``count`` reloads have finished; then three quiet periods to catch any extra."""

    async def done() -> bool:
        return len(reloads.answers) >= count

    await eventually(done, timeout=60)
    await asyncio.sleep(3 * QUIET.total_seconds())


@dataclass
class Watched:
    app: App
    folder: Path  # the archive folder
    reloads: CountingReloads


@asynccontextmanager
async def watched(tmp_path: Path, *, force_polling: bool | None = None) -> AsyncIterator[Watched]:
    """An App over ``settings_for(tmp_path)`` whose archive a started watcher watches.

    The watcher is stopped when the block ends.
    """
    settings = settings_for(tmp_path)
    app = App(settings, ArchiveHolder.open(settings))
    reloads = CountingReloads(app)
    watcher = ArchiveWatcher(
        ArchivePaths(settings.archive.paths, ignore=[tmp_path / "cache"]),
        reloads,
        quiet=QUIET,
        force_polling=force_polling,
    )
    watcher.start()
    try:
        await asyncio.sleep(0.5)  # the watching thread is set up
        yield Watched(app, Path(settings.archive.paths[0]), reloads)
    finally:
        await watcher.stop()


@pytest.fixture(params=[False, True], ids=["notify", "polling"])
def force_polling(request) -> bool:
    return request.param


async def test_a_burst_of_writes_is_one_reload_that_sees_them_all(tmp_path, force_polling):
    async with watched(tmp_path, force_polling=force_polling) as watch:
        for n in range(5):
            write_story(watch.folder, f"glacier{n}.txt", f"Glacier calves {n}")
        with (watch.folder / "glacier0.txt").open("a", encoding="utf-8") as more:
            more.write("More about the glacier.\n")
        (watch.folder / "notes.md").write_text("not an archive file", encoding="utf-8")
        await settled(watch.reloads, 1)
    assert watch.reloads.calls == 1
    assert watch.reloads.answers[0].startswith("Reloaded the archive: 6 articles")
    assert {f"Glacier calves {n}" for n in range(5)} <= titles(watch.app)


async def test_a_failed_reload_keeps_the_archive_logs_one_line_and_watching_goes_on(
    tmp_path, caplog, force_polling
):
    async with watched(tmp_path, force_polling=force_polling) as watch:
        with caplog.at_level(logging.INFO):
            (watch.folder / "volcano.txt").unlink()  # the only file: a reload would serve nothing
            await settled(watch.reloads, 1)
        failures = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert [r.getMessage() for r in failures] == [
            "Archive reload failed; keeping the previous archive: "
            "the archive now has no readable articles (no archive files found)"
        ]
        assert failures[0].exc_info is None  # one line, no traceback
        assert titles(watch.app) == {"Volcano erupts near village"}
        assert watch.reloads.answers[0].startswith(
            "Reload failed, still serving the previous archive"
        )

        write_story(watch.folder, "glacier.txt", "Glacier calves")  # the watcher still watches
        await settled(watch.reloads, 2)
    assert watch.reloads.calls == 2
    assert titles(watch.app) == {"Glacier calves"}


async def test_a_folder_replaced_under_its_name_is_watched_afresh(tmp_path):
    """A release switched by a symlink, then a folder removed and made again: both seen."""
    releases = tmp_path / "releases"
    for release in ("v1", "v2"):
        (releases / release).mkdir(parents=True)
        write_story(releases / release, "volcano.txt", "Volcano erupts near village")
    write_story(releases / "v2", "glacier.txt", "Glacier calves")
    link = tmp_path / "archive"
    link.symlink_to(releases / "v1")
    async with watched(tmp_path) as watch:
        swap = tmp_path / "archive.new"
        swap.symlink_to(releases / "v2")
        swap.rename(link)  # how releases are switched: atomically, under the same name
        await settled(watch.reloads, 1)
        assert "Glacier calves" in titles(watch.app)

        shutil.rmtree(releases / "v2")
        (releases / "v2").mkdir()
        write_story(releases / "v2", "harvest.txt", "Harvest festival opens")
        await eventually(lambda: "Harvest festival opens" in titles(watch.app), timeout=60)
    assert titles(watch.app) == {"Harvest festival opens"}


async def test_the_app_watches_while_open_and_stops_when_closed(tmp_path):
    settings = settings_for(tmp_path, watch="PT1S")
    app = App(settings, ArchiveHolder.open(settings))
    folder = Path(settings.archive.paths[0])

    async def found() -> bool:
        return "Glacier calves" in titles(app)

    async with app:
        assert _watch_tasks()
        # Written before the watcher's tasks first run: caught by its check at start.
        write_story(folder, "glacier.txt", "Glacier calves")
        await eventually(found, timeout=60)
    assert not _watch_tasks()


async def test_without_archive_watch_nothing_watches(tmp_path):
    settings = settings_for(tmp_path)
    assert settings.archive.watch is None  # off by default
    async with App(settings, ArchiveHolder.open(settings)):
        assert not _watch_tasks()


def _watch_tasks() -> list[asyncio.Task]:
    return [t for t in asyncio.all_tasks() if t.get_name().startswith("archive-")]


async def test_processes_watching_one_archive_build_it_once(tmp_path):
    """Every process sees the change and reloads itself; the first builds, the rest open it."""
    settings = settings_for(tmp_path)
    apps = [App(settings, ArchiveHolder.open(settings)) for _ in range(3)]
    counted = [CountingReloads(app) for app in apps]
    watchers = [
        ArchiveWatcher(ArchivePaths(settings.archive.paths), reloads, quiet=QUIET)
        for reloads in counted
    ]
    for watcher in watchers:
        watcher.start()
    try:
        await asyncio.sleep(0.5)
        write_story(Path(settings.archive.paths[0]), "glacier.txt", "Glacier calves")
        for reloads in counted:
            await settled(reloads, 1)
    finally:
        for watcher in watchers:
            await watcher.stop()
    assert [reloads.calls for reloads in counted] == [1, 1, 1]
    assert all("Glacier calves" in titles(app) for app in apps)
    assert sorted(app.archive.current.from_cache for app in apps) == [False, True, True]


def test_archive_paths_watch_folders_and_pick_archive_files(tmp_path):
    archive, exports, cache = tmp_path / "archive", tmp_path / "exports", tmp_path / "archive/c"
    archive.mkdir()
    exports.mkdir()
    (tmp_path / "one.jsonl").write_text("", encoding="utf-8")
    paths = ArchivePaths(
        [str(archive), str(tmp_path / "one.jsonl"), f"{exports}/**/*.csv", str(tmp_path / "later")],
        ignore=[cache],
    )
    assert paths.roots() == [tmp_path]  # the file's and the missing folder's parent holds all
    assert ArchivePaths([str(archive), f"{exports}/*.csv"]).roots() == [archive, exports]
    picks = [
        (archive / "a.jsonl", True),
        (archive / "deep/b.CSV", True),
        (archive / "new-folder", True),  # a folder moved in or removed: no suffix
        (archive / "notes.md", False),
        (archive / ".a.txt.swp", False),
        (cache / "v8-x/meta.jsonl", False),  # the index cache, even inside the archive
        (tmp_path / "one.jsonl", True),
        (tmp_path / "two.jsonl", False),  # beside the named file, not named
        (exports / "2024/x.csv", True),
        (tmp_path / "later/x.txt", True),  # a folder that does not exist yet
    ]
    for path, picked in picks:
        assert paths(Change.added, str(path)) is picked, path
