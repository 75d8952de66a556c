"""Opening a changed archive reads only its changes into the cached index, and answers as a
rebuild does."""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
from datetime import UTC
from pathlib import Path

import pytest

import bot.snapshot as snapshot
from bot.__main__ import main
from bot.search import cache
from bot.snapshot import ArchiveHolder, ArchiveSnapshot, open_snapshot

WORDS = [f"{a}{b}" for a in ("vol", "mar", "har", "lav", "gra", "sto", "riv") for b in "aeiouyk"]


def articles(start: int, count: int, seed: int = 0) -> str:
    """JSONL of ``count`` varied articles numbered from ``start``, each at its own time."""
    rng = random.Random(seed * 7919 + start)
    lines = []
    for n in range(start, start + count):
        title = " ".join(rng.choices(WORDS, k=4))
        body = " ".join(rng.choices(WORDS, weights=range(len(WORDS), 0, -1), k=rng.randint(8, 60)))
        stamp = f"20{n % 20:02}-{n % 12 + 1:02}-{n % 28 + 1:02}T{n % 24:02}:{n % 60:02}:00Z"
        record = {"id": f"a{n}", "date": stamp, "source": "Wire", "title": title, "body": body}
        lines.append(json.dumps(record) + "\n")
    return "".join(lines)


QUERIES = [*WORDS[::3], "vola mare", "lavk grau stoo", '"vola mara"', "harq -vola"]


def answers(opened: ArchiveSnapshot) -> list[list[tuple[str, float]]]:
    return [
        [(hit.article.id, round(hit.score, 4)) for hit in opened.index.search(query, limit=10)]
        for query in QUERIES
    ]


def rebuilt(archive: Path, tmp_path: Path) -> ArchiveSnapshot:
    return open_snapshot([archive], UTC, tmp_path / "rebuild-cache", rebuild=True)


def test_added_articles_are_read_alone_and_rank_as_a_rebuild(tmp_path, monkeypatch):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "2020.jsonl").write_text(articles(0, 300))
    open_snapshot([archive], UTC, tmp_path / "cache")
    monkeypatch.setattr(snapshot, "load_archive", lambda *a, **k: pytest.fail("read whole"))
    with (archive / "2020.jsonl").open("a") as out:
        out.write(articles(300, 40))
    (archive / "2021.jsonl").write_text(articles(1000, 120))
    updated = open_snapshot([archive], UTC, tmp_path / "cache")
    assert updated.update == "+160 articles from 2 files, 0 removed, 2 segments"
    (archive / "2022.jsonl").write_text(articles(2000, 50))
    updated = open_snapshot([archive], UTC, tmp_path / "cache")
    assert updated.update.startswith("+50 articles from 1 file, 0 removed")
    monkeypatch.undo()
    assert len(updated.index.articles) == 510
    assert answers(updated) == answers(rebuilt(archive, tmp_path))
    reopened = open_snapshot([archive], UTC, tmp_path / "cache")  # and the cache holds it
    assert reopened.from_cache and answers(reopened) == answers(updated)


def test_changed_removed_and_renamed_files_are_applied(tmp_path):
    archive = tmp_path / "archive"
    archive.mkdir()
    for n in range(3):
        (archive / f"f{n}.jsonl").write_text(articles(n * 100, 100))
    open_snapshot([archive], UTC, tmp_path / "cache")
    (archive / "f0.jsonl").write_text(articles(0, 60, seed=1))  # changed in place
    (archive / "f1.jsonl").unlink()
    (archive / "f2.jsonl").rename(archive / "moved.jsonl")
    updated = open_snapshot([archive], UTC, tmp_path / "cache")
    assert updated.update.startswith("+60 articles from 1 file, 200 removed")  # f0 and f1
    full = rebuilt(archive, tmp_path)
    assert sorted(a.id for a in updated.index.articles) == sorted(a.id for a in full.index.articles)
    assert updated.index.get("a150") is None and updated.index.get("a250") is not None
    assert updated.index.get("a10").body == full.index.get("a10").body
    top = updated.index.search(full.index.get("a10").title)[0].article.id
    assert top == full.index.search(full.index.get("a10").title)[0].article.id


def test_a_reload_applies_changes_to_the_index_it_serves(tmp_path, monkeypatch):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "a.jsonl").write_text(articles(0, 50))

    def load(current: ArchiveSnapshot) -> ArchiveSnapshot:
        return open_snapshot([archive], UTC, tmp_path / "cache", current=current)

    first = open_snapshot([archive], UTC, tmp_path / "cache")
    holder = ArchiveHolder(first, load)
    with (archive / "a.jsonl").open("a") as out:
        out.write(articles(50, 5))
    monkeypatch.setattr(cache, "load", lambda *a: pytest.fail("read the cached index again"))
    reloaded = snapshot.asyncio.run(holder.reload())
    assert reloaded.update.startswith("+5 articles from 1 file, 0 removed")
    assert holder.current.index.get("a52") is not None
    assert snapshot.asyncio.run(holder.reload()) is reloaded  # nothing changed since


def test_the_ledger_is_read_from_the_cache_by_an_update_alone(tmp_path, monkeypatch):
    """A loaded index does not hold the archive's ledger: opening the cache never reads it,
    an update reads it from there (and writes the next), and one it cannot read makes a
    whole rebuild instead."""
    archive, folder = tmp_path / "archive", cache.folder_for(tmp_path / "cache")
    archive.mkdir()
    (archive / "a.jsonl").write_text(articles(0, 50))
    open_snapshot([archive], UTC, tmp_path / "cache")
    read, real = [], cache.read_provenance
    monkeypatch.setattr(cache, "read_provenance", lambda where: read.append(where) or real(where))
    served = open_snapshot([archive], UTC, tmp_path / "cache")
    assert served.from_cache and read == []
    with (archive / "a.jsonl").open("a") as out:
        out.write(articles(50, 5))
    updated = open_snapshot([archive], UTC, tmp_path / "cache", current=served)
    assert updated.update.startswith("+5 articles from 1 file") and read == [folder]
    (ledger,) = folder.glob("provenance-*")
    ledger.write_bytes(ledger.read_bytes()[:-8])  # cut short
    with (archive / "a.jsonl").open("a") as out:
        out.write(articles(55, 5))
    whole = open_snapshot([archive], UTC, tmp_path / "cache", current=updated)
    assert whole.update == "" and len(read) == 2  # read, refused, rebuilt
    assert sorted(a.id for a in whole.index.articles) == sorted(f"a{n}" for n in range(60))
    with (archive / "a.jsonl").open("a") as out:
        out.write(articles(60, 5))
    again = open_snapshot([archive], UTC, tmp_path / "cache", current=whole)
    assert again.update.startswith("+5 articles from 1 file")  # the rebuild's ledger


def test_dateline_index_says_what_it_did(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default cache folder lands in tmp_path
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "a.jsonl").write_text(articles(0, 20))
    code, out, _ = run(capsys, "index", "--archive", str(archive))
    assert (code, out) == (
        0,
        "Index built: 20 articles, 0 problems, 0 notes (exact duplicates, kept once).\n",
    )
    (archive / "b.jsonl").write_text(articles(100, 3) + "{bad\n")
    code, out, err = run(capsys, "index", "--archive", str(archive))
    assert out.startswith("Index updated (+3 articles from 1 file, 0 removed, 2 segments): ")
    assert "23 articles, 1 problem" in out
    assert f"{archive / 'b.jsonl'}:4: malformed JSON" in err
    code, out, _ = run(capsys, "index", "--archive", str(archive), "--rebuild")
    assert out.startswith("Index built: 23 articles, 1 problem")


def test_dateline_index_merges_the_segments_an_update_leaves(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATELINE_SEARCH__MERGE_FACTOR", "3")  # small segments merge in threes
    monkeypatch.setenv("DATELINE_SEARCH__CACHE_DIR", str(tmp_path / "cache"))
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "a.jsonl").write_text(articles(0, 20))
    run(capsys, "index", "--archive", str(archive))
    (archive / "b.jsonl").write_text(articles(100, 3))
    code, out, _ = run(capsys, "index", "--archive", str(archive))
    assert out.startswith("Index updated (+3 articles from 1 file, 0 removed, 2 segments): ")
    (archive / "a.jsonl").write_text(articles(0, 15))  # changed: its 20 out, 15 in
    code, out, _ = run(capsys, "index", "--archive", str(archive))
    assert (code, out) == (
        0,
        "Index updated (+15 articles from 1 file, 20 removed, "
        "3 segments merged into 2 segments): 18 articles, 0 problems, 0 notes "
        "(exact duplicates, kept once).\n",
    )
    code, out, _ = run(capsys, "index", "--archive", str(archive))  # the cache holds the merge
    assert out.startswith("Index loaded from cache: 18 articles")
    saved, _ = cache.load(cache.folder_for(tmp_path / "cache"))
    # a.jsonl's first segment, all of it deleted, is gone; b's and a's new one remain.
    assert [len(s) for s in saved.segments] == [3, 15] and saved.deleted == (None, None)
    assert answers(ArchiveSnapshot.of(saved)) == answers(rebuilt(archive, tmp_path))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, out, err


KILLED = """
import sys
from datetime import UTC
from pathlib import Path
from bot.snapshot import open_snapshot
print("ready", flush=True)
open_snapshot([sys.argv[1]], UTC, Path(sys.argv[2]))
print("done", flush=True)
"""


@pytest.mark.parametrize("delay", [0.02, 0.1, 0.2, 0.35])  # the update takes ~0.4 s
def test_a_kill_during_an_update_leaves_a_cache_that_opens_and_answers(tmp_path, delay):
    archive = tmp_path / "archive"
    archive.mkdir()
    (archive / "a.jsonl").write_text(articles(0, 200))
    open_snapshot([archive], UTC, tmp_path / "cache")
    with (archive / "a.jsonl").open("a") as out:
        out.write(articles(200, 2500))
    (archive / "b.jsonl").write_text(articles(5000, 2500))
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(archive), str(tmp_path / "cache")],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    time.sleep(delay)
    process.kill()  # SIGKILL: no clean-up of any kind
    process.wait()
    opened = open_snapshot([archive], UTC, tmp_path / "cache")
    assert len(opened.index.articles) == 5200
    assert opened.index.get("a2699") is not None and opened.index.get("a7499") is not None
    assert answers(opened) == answers(rebuilt(archive, tmp_path))
