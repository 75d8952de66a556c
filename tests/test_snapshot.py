"""Opening the archive: the on-disk index reused when the archive is unchanged, rebuilt when not."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import orjson
import pytest

import bot.snapshot as snapshot
from bot.archive.model import Article
from bot.search import cache
from bot.snapshot import ArchiveHolder, ArchiveSnapshot, ReloadError, open_snapshot

SEED = "2020-03-26 12:00:00\n\nWire / {text}. More.\n"


@pytest.fixture
def archive(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    (folder / "one.txt").write_text(SEED.format(text="Volcano erupts"), encoding="utf-8")
    (folder / "bad.txt").write_text("not a timestamp\n\nBody", encoding="utf-8")
    return folder


def test_unchanged_archive_is_not_parsed_again(archive, tmp_path, monkeypatch):
    first = open_snapshot([archive], UTC, tmp_path / "cache")
    assert not first.from_cache
    monkeypatch.setattr(snapshot, "load_archive", lambda *a, **k: pytest.fail("parsed again"))
    second = open_snapshot([archive], UTC, tmp_path / "cache")
    assert second.from_cache
    assert [h.article.id for h in second.index.search("volcano")] == ["one"]
    assert second.index.articles == first.index.articles
    assert [str(p) for p in second.problems] == [str(p) for p in first.problems]
    assert len(second.problems) == 1


def test_changed_archive_or_zone_rebuilds(archive, tmp_path):
    open_snapshot([archive], UTC, tmp_path / "cache")
    (archive / "two.txt").write_text(SEED.format(text="Glacier melts"), encoding="utf-8")
    changed = open_snapshot([archive], UTC, tmp_path / "cache")
    assert not changed.from_cache
    assert [h.article.id for h in changed.index.search("glacier")] == ["two"]
    assert not open_snapshot([archive], ZoneInfo("Asia/Baghdad"), tmp_path / "cache").from_cache


def test_edited_file_rebuilds(archive, tmp_path):
    open_snapshot([archive], UTC, tmp_path / "cache")
    path = archive / "one.txt"
    path.write_text(SEED.format(text="Earthquake strikes"), encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    reopened = open_snapshot([archive], UTC, tmp_path / "cache")
    assert not reopened.from_cache
    assert reopened.index.search("earthquake")[0].article.id == "one"


def test_a_corrupt_cache_is_rebuilt_not_fatal(archive, tmp_path):
    first = open_snapshot([archive], UTC, tmp_path / "cache")
    [entry] = (tmp_path / "cache").glob("index-v*")
    [segment] = [path for path in entry.iterdir() if path.is_dir()]
    (segment / "meta.json").write_text("{broken", encoding="utf-8")
    again = open_snapshot([archive], UTC, tmp_path / "cache")
    assert not again.from_cache
    assert again.fingerprint == first.fingerprint


def test_a_cache_of_an_earlier_version_is_rebuilt_and_removed(archive, tmp_path):
    built = open_snapshot([archive], UTC, tmp_path / "cache")
    [entry] = (tmp_path / "cache").glob("index-v*")
    # The same cache as the version before article tables wrote it: meta.json rows.
    older = entry.with_name(f"index-v{cache.CACHE_VERSION - 1}")
    entry.rename(older)
    manifest = orjson.loads((older / cache.MANIFEST).read_bytes())
    (older / cache.MANIFEST).write_bytes(
        orjson.dumps({**manifest, "version": cache.CACHE_VERSION - 1})
    )
    again = open_snapshot([archive], UTC, tmp_path / "cache")
    assert not again.from_cache and again.index.articles == built.index.articles
    assert [p.name for p in (tmp_path / "cache").glob("index-v*")] == [entry.name]


def test_a_fresh_build_is_served_from_what_was_cached(archive, tmp_path):
    built = open_snapshot([archive], UTC, tmp_path / "cache")
    assert not built.from_cache
    assert not built.index.segments[0].postings.docs.flags.writeable  # the entry's read-only arrays
    assert [h.article.id for h in built.index.search("volcano")] == ["one"]


def test_an_unwritable_cache_still_serves_the_archive(archive, tmp_path):
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")
    opened = open_snapshot([archive], UTC, blocked)
    assert [h.article.id for h in opened.index.search("volcano")] == ["one"]
    assert len(opened.problems) == 1


def test_an_empty_archive_is_cached_too(tmp_path, monkeypatch):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert open_snapshot([empty], UTC, tmp_path / "cache").index.articles == []
    monkeypatch.setattr(snapshot, "load_archive", lambda *a, **k: pytest.fail("parsed again"))
    again = open_snapshot([empty], UTC, tmp_path / "cache")
    assert again.from_cache
    assert again.index.autocomplete("") == []


def test_paths_matching_nothing_are_reported_afresh_not_from_the_cache(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    first = open_snapshot([empty, tmp_path / "gone"], UTC, tmp_path / "cache")
    second = open_snapshot([empty, tmp_path / "typo"], UTC, tmp_path / "cache")
    assert second.from_cache  # the same files (none): one cache entry
    assert [p.path for p in first.problems] == [str(tmp_path / "gone")]
    assert [p.path for p in second.problems] == [str(tmp_path / "typo")]


def story(n: int) -> Article:
    return Article(f"s{n}", datetime(2020, 3, 26, 12, tzinfo=UTC), "Wire", f"Volcano {n}", "Ash.")


async def test_a_reload_replaces_index_and_calendar_together_or_not_at_all():
    first = ArchiveSnapshot.of_articles([story(1)])
    loads = [ArchiveSnapshot.of_articles([]), ArchiveSnapshot.of_articles([story(1), story(2)])]
    holder = ArchiveHolder(first, load=lambda _current: loads.pop(0))

    with pytest.raises(ReloadError, match="no readable articles"):
        await holder.reload()  # an archive emptied by mistake is refused
    assert holder.current is first

    reloaded = await holder.reload()
    assert holder.current is reloaded
    assert len(reloaded.index.articles) == 2
    day = datetime(2024, 3, 26, tzinfo=UTC).date()
    assert sum(len(g.articles) for g in reloaded.calendar.select(day)) == 2
