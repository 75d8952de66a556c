"""A cold build in batches answers exactly as one build of the whole archive."""

from __future__ import annotations

import logging
import tempfile
from datetime import UTC
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.archive.ledger import Ledger
from bot.search import batched, cache
from bot.search.index import SearchIndex
from bot.search.postings import build_postings
from bot.snapshot import open_snapshot
from tests.search.archives import answers, archives_st, twins_of
from tests.search.test_joining import same


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    articles=archives_st,
    batch=st.integers(1, 12),
)
def test_a_build_in_batches_is_one_build(articles, batch):
    twins = twins_of(articles)
    files = [f"f{n % 3}.jsonl" for n in range(len(articles))]
    with tempfile.TemporaryDirectory() as where:
        folder = cache.folder_for(Path(where))
        with batched.ColdBuild(folder, batch=batch) as build:
            build.finish(
                articles,
                files,
                {"gone": "a0"},
                twins,
                [],
                key="k",
                provenance=cache.write_provenance(folder, Ledger("read so")),
            )
        loaded, _ = cache.load(folder)
        assert len(loaded.segments) == 1
        same(loaded.segments[0].postings, build_postings(articles))
        whole = SearchIndex.build(articles, {"gone": "a0"}, twins, files=files)
        assert answers(loaded) == answers(whole)
        assert np.array_equal(loaded.links, whole.links)
        assert [loaded.file_of(a.id) for a in articles] == files
        assert Ledger.from_bytes(cache.read_provenance(folder)).reading == "read so"
        assert cache.key_of(folder) == "k"
        assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("fork_from", [0, 10**9])
def test_dateline_index_builds_in_batches(tmp_path, monkeypatch, caplog, fork_from):
    """A cold build (``--rebuild``, a first start) indexes the archive a batch at a time.

    Each batch is counted by a child process: with ``FORK_FROM`` 0, while the
    archive is still being read (and the story chains are drawn by children,
    one share per core); otherwise once it has been read. Both answer as one
    build.
    """
    folder = tmp_path / "archive"
    folder.mkdir()
    for n in range(7):  # 0, 3, 6; 1, 4; 2, 5: versions of three stories
        (folder / f"{n}.txt").write_text(
            f"2020-03-{n + 1:02d} 12:00:00\n\nWire / Volcano {n % 3} erupts. Lava {n} flows.\n",
            encoding="utf-8",
        )
    monkeypatch.setattr(batched, "BATCH_ARTICLES", 3)
    monkeypatch.setattr(batched, "FORK_FROM", fork_from)
    caplog.set_level(logging.INFO)
    built = open_snapshot([folder], UTC, tmp_path / "cache", rebuild=True)

    said = [record.getMessage() for record in caplog.records]
    counted = sorted(line for line in said if line.startswith("Indexed articles"))  # any order
    assert counted == [f"Indexed articles {lo} to {min(lo + 3, 7)}" for lo in (0, 3, 6)]
    read = next(n for n, line in enumerate(said) if line.startswith("Loaded 7 articles"))
    first = said.index("Counting articles 0 to 3")
    assert (first < read) == (fork_from == 0)
    drawn = sorted(line for line in said if line.endswith("of the story chains"))
    shares = min(batched.cores(), batched.MAX_CHILDREN)
    expected = [f"Indexed share {k} of {shares} of the story chains" for k in range(1, shares + 1)]
    assert drawn == (expected if fork_from == 0 else [])
    assert len(built.index.segments) == 1
    assert built.index.search("lava 4")[0].article.title == "Volcano 1 erupts"
    whole = SearchIndex.build(list(built.index.articles))
    assert len(whole.links) == 4
    assert np.array_equal(built.index.links, whole.links)
    for query in ("volcano", "lava 5", "erupts 2020"):
        ours = [(h.article.id, h.score) for h in built.index.search(query)]
        assert ours == [(h.article.id, h.score) for h in whole.search(query)]


@pytest.mark.parametrize(("machine", "most"), [(2, 4), (8, 2)])
def test_an_archive_of_less_than_a_batch_is_counted_by_children_one_share_per_core(
    tmp_path, monkeypatch, caplog, machine, most
):
    """Counted in the build's own process, its memory would stay with a bot serving the index."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for n in range(7):
        (folder / f"{n}.txt").write_text(
            f"2020-03-{n + 1:02d} 12:00:00\n\nWire / Geyser {n} erupts.\n", encoding="utf-8"
        )
    monkeypatch.setattr(batched, "FORK_FROM", 0)
    monkeypatch.setattr(batched, "cores", lambda: machine)  # cores beyond MAX_CHILDREN idle
    monkeypatch.setattr(batched, "MAX_CHILDREN", most)
    caplog.set_level(logging.INFO)
    built = open_snapshot([folder], UTC, tmp_path / "cache", rebuild=True)
    said = [record.getMessage() for record in caplog.records]
    assert sorted(line for line in said if line.startswith("Counting")) == [
        "Counting articles 0 to 4",
        "Counting articles 4 to 7",
    ]
    assert built.index.search("geyser 6")[0].article.title == "Geyser 6 erupts"
