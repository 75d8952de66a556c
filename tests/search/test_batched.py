"""A cold build in batches answers exactly as one build of the whole archive."""

from __future__ import annotations

import tempfile
from datetime import UTC
from pathlib import Path

import numpy as np
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
        batched.build_into_cache(
            articles,
            files,
            {"gone": "a0"},
            twins,
            [],
            folder,
            key="k",
            provenance=cache.write_provenance(folder, Ledger("read so")),
            batch=batch,
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


def test_dateline_index_builds_in_batches(tmp_path, monkeypatch):
    """A cold build (``--rebuild``, a first start) indexes the archive a batch at a time."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for n in range(7):
        (folder / f"{n}.txt").write_text(
            f"2020-03-{n + 1:02d} 12:00:00\n\nWire / Volcano {n} erupts. Lava {n}.\n",
            encoding="utf-8",
        )
    batches = []

    def counted(articles):
        batches.append(len(articles))
        return build_postings(articles)

    monkeypatch.setattr(batched, "BATCH_ARTICLES", 3)
    monkeypatch.setattr(batched, "build_postings", counted)
    built = open_snapshot([folder], UTC, tmp_path / "cache", rebuild=True)
    assert batches == [3, 3, 1]
    assert len(built.index.segments) == 1
    assert built.index.search("volcano 4")[0].article.title == "Volcano 4 erupts"
    whole = SearchIndex.build(list(built.index.articles))
    for query in ("volcano", "lava 5", "erupts 2020"):
        ours = [(h.article.id, h.score) for h in built.index.search(query)]
        assert ours == [(h.article.id, h.score) for h in whole.search(query)]
