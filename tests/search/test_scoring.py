"""Scoring touches only the documents a rare word reaches, with the same result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import bot.search.ranking as ranking
from bot.archive.model import Article
from bot.search.index import SearchIndex
from bot.search.query import parse_query
from tests.search.archives import WORDS


@pytest.mark.parametrize("title_only", [False, True])
def test_sparse_and_dense_updates_give_identical_scores(article, monkeypatch, title_only):
    stories = [
        article(f"Market report {n}", f"the market moved {'sharply' if n % 7 == 0 else 'a bit'}")
        for n in range(60)
    ] + [article("Volcano erupts", "the volcano erupted near the market")]
    index = SearchIndex.build(stories)
    query = parse_query("market volcano sharpyl the")

    def scores(sparse_below: int) -> np.ndarray:
        monkeypatch.setattr(ranking, "SPARSE_BELOW", sparse_below)
        return ranking.score(query, index._expander, len(stories), title_only=title_only).scores

    every_word_sparse, every_word_dense = scores(0), scores(10**9)
    assert np.array_equal(every_word_sparse, every_word_dense)
    assert (every_word_dense > 0).sum() > 0


# The archive's words typed as they are, with slips, as sound-alikes, in a phrase.
TYPED = [*WORDS, "vocano", "marke", "poulsen", "treasry", "bnk", '"bank rate"', "crisis?"]


def _stories(titles: list[list[str]], bodies: list[list[str]]) -> list[Article]:
    start = datetime(2010, 1, 1, 12, tzinfo=UTC)
    return [
        Article(f"a{n}", start + timedelta(days=n), "Wire", " ".join(title), " ".join(body))
        for n, (title, body) in enumerate(zip(titles, bodies, strict=False))
    ]


@settings(max_examples=60, deadline=None)
@given(
    titles=st.lists(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=5), min_size=2, max_size=40
    ),
    bodies=st.lists(st.lists(st.sampled_from(WORDS), max_size=12), min_size=40, max_size=40),
    typed=st.lists(st.sampled_from(TYPED), min_size=1, max_size=7),
    title_only=st.booleans(),
)
def test_every_scoring_path_scores_and_counts_the_same_sparse_or_dense(
    titles, bodies, typed, title_only
):
    """Requests' weighed words, sound-alikes, typos, prefixes and phrases, both ways alike."""
    index = SearchIndex.build(_stories(titles, bodies))
    query = parse_query(" ".join(typed))
    n_docs = len(index.articles)

    def scored(sparse_below: int) -> ranking.Scored:
        original = ranking.SPARSE_BELOW
        ranking.SPARSE_BELOW = sparse_below
        try:
            return ranking.score(
                query, index._expander, n_docs, title_only=title_only, count_words=True
            )
        finally:
            ranking.SPARSE_BELOW = original

    sparse, dense = scored(0), scored(10**9)
    assert np.array_equal(sparse.scores, dense.scores)
    assert np.array_equal(sparse.counts, dense.counts)
    assert sparse.term_ids == dense.term_ids
