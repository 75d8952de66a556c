"""Scoring touches only the documents a rare word reaches, with the same result."""

from __future__ import annotations

import numpy as np
import pytest

import bot.search.ranking as ranking
from bot.search.index import SearchIndex
from bot.search.query import parse_query


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
