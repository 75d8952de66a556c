"""Bodies live in a file, not in memory, and read back exactly."""

from __future__ import annotations

import os
import shutil
from datetime import UTC

import pytest

from bot.archive import load_archive
from bot.archive.bodies import BodyFile
from bot.snapshot import open_snapshot

TEXTS = ["Plain ASCII.", "أعلنت الحكومةُ العراقيةُ", "Emoji 🌋 and accents: café", "", "x" * 100_000]


def test_bodies_read_back_exactly(tmp_path):
    bodies = BodyFile.spool(tmp_path)
    stored = [bodies.append(text) for text in TEXTS]
    assert [s.read() for s in reversed(stored)] == list(reversed(TEXTS))
    assert list(tmp_path.iterdir()) == []  # nameless: nothing left behind on disk


def test_a_forked_process_reads_the_same_bodies(tmp_path):
    bodies = BodyFile.spool(tmp_path)
    stored = bodies.append("shared with the indexing worker")
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(writer, stored.raw())
        os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    assert os.read(reader, 100) == b"shared with the indexing worker"


def test_loaded_articles_keep_their_text(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    for n, text in enumerate(TEXTS[:3]):
        (archive / f"s{n}.txt").write_text(f"2020-03-26 12:00:00\n\nWire / {text} Body {n}.\n")
    report = load_archive([archive], UTC, spool_dir=tmp_path / "spool")
    expected = [f"Wire / {text} Body {n}." for n, text in enumerate(TEXTS[:3])]
    assert [a.body for a in report.articles] == expected


def test_a_cached_index_reads_bodies_after_its_entry_is_replaced(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "one.txt").write_text("2020-03-26 12:00:00\n\nWire / Volcano erupts. Ash.\n")
    open_snapshot([archive], UTC, tmp_path / "cache")
    warm = open_snapshot([archive], UTC, tmp_path / "cache")
    assert warm.from_cache
    shutil.rmtree(tmp_path / "cache")  # a reload of a changed archive replaces the entry
    [hit] = warm.index.search("volcano")
    assert hit.article.body == "Wire / Volcano erupts. Ash."
    assert "**Volcano**" in hit.snippet


def test_articles_are_immutable(article):
    with pytest.raises(AttributeError):
        article().title = "changed"


def test_an_unwritable_spool_folder_falls_back_and_loses_nothing(tmp_path, monkeypatch):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "one.txt").write_text("2020-03-26 12:00:00\n\nWire / Volcano erupts. Ash.\n")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where a folder should be")
    report = load_archive([archive], UTC, spool_dir=blocked)
    assert [a.body for a in report.articles] == ["Wire / Volcano erupts. Ash."]

    def disk_full(self, text):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(BodyFile, "append", disk_full)
    report = load_archive([archive], UTC, spool_dir=tmp_path / "spool")
    assert [a.body for a in report.articles] == ["Wire / Volcano erupts. Ash."]
