"""A merge of postings is, array for array, the index one build of the surviving articles makes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.search.index import SearchIndex
from bot.search.joining import Source, merge_postings
from bot.search.merge import apply, merge
from bot.search.postings import Postings, build_postings
from bot.search.segment import Segment
from tests.search.archives import archives_st, cuts_st, parts

ARRAYS = ("offsets", "docs", "codes", "in_title", "title_offsets", "title_docs", "lengths")
QUERIES = ["market", "bank rates", "vocano", "poulsen", "the crisis of", '"bank rate"', "cris"]


def same(one: Postings, other: Postings) -> None:
    assert one.terms == other.terms
    for name in ARRAYS:
        mine, theirs = getattr(one, name), getattr(other, name)
        assert mine.dtype == theirs.dtype, name
        assert np.array_equal(mine, theirs), name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    articles=archives_st,
    cuts=cuts_st,
    gone=st.sets(st.integers(0, 29), max_size=20),
    block=st.sampled_from([1, 3, 1 << 20]),
    on_disk=st.booleans(),
)
def test_merged_postings_equal_a_build_of_the_survivors(articles, cuts, gone, block, on_disk):
    runs = parts(articles, cuts)
    segments = [Segment.build(run) for run in runs]
    sources = [
        Source(s.postings, np.array([int(a.id[1:]) not in gone for a in part], bool))
        for s, part in zip(segments, runs, strict=True)
    ]
    survivors = [a for a in articles if int(a.id[1:]) not in gone]
    with tempfile.TemporaryDirectory() as folder:
        merged = merge_postings(sources, Path(folder) if on_disk else None, block=block)
        same(merged, build_postings(survivors))


def test_a_merge_of_saved_segments_reads_their_files(article, tmp_path):
    """Sources memory-mapped from the cache are read through their files, to the same result."""
    from bot.search import cache

    index = SearchIndex.build([article(f"Volcano {n}", f"Lava {n}.", id=f"v{n}") for n in range(6)])
    index = index.with_segment([article(f"Glacier {k}", "Ice lava.", id=f"g{k}") for k in range(4)])
    index = index.without(["v1", "g2"])
    cache.save(index, [], cache.folder_for(tmp_path), "key")
    saved, _ = cache.load(cache.folder_for(tmp_path))
    out = tmp_path / "out"
    out.mkdir()
    done = merge(saved, 0, 2, out)
    merged = apply(saved, done)
    assert merged is not None
    survivors = list(index.articles)
    same(done.segment.postings, build_postings(survivors))
    fresh = SearchIndex.build(survivors)
    for query in QUERIES:
        ours = [(h.article.id, h.score) for h in merged.search(query)]
        assert ours == [(h.article.id, h.score) for h in fresh.search(query)]
