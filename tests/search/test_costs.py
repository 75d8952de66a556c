"""A query's cost is bounded whatever is typed or asked: phrases and limits are capped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.archive.model import Article
from bot.search.index import MAX_RESULTS, SearchIndex
from bot.search.query import MAX_QUERY_WORDS, parse_query

WORDS = [f"w{n}" for n in range(50_000)]


def test_a_quoted_page_is_capped_like_the_rest_of_a_query():
    query = parse_query('"' + " ".join(WORDS) + '"')
    assert query.phrases == (tuple(WORDS[:MAX_QUERY_WORDS]),)


def test_phrases_share_the_query_budget_with_the_words_before_them():
    before = " ".join(WORDS[:10])
    query = parse_query(f'{before} "{" ".join(WORDS[10:30])}" "late phrase"')
    assert query.phrases == (tuple(WORDS[10:MAX_QUERY_WORDS]),)  # the budget ran out after it


@pytest.fixture(scope="module")
def index():
    day = datetime(2020, 1, 1, tzinfo=UTC)
    articles = [
        Article(f"a{n}", day + timedelta(days=n), "Wire", f"Volcano report {n}", f"Lava {n}.")
        for n in range(MAX_RESULTS + 50)
    ]
    body = " ".join(WORDS[:MAX_QUERY_WORDS]) + " and then something else."
    return SearchIndex.build([*articles, Article("sixteen", day, "Wire", "Sixteen", body)])


@pytest.mark.parametrize("limit", [-1, 0, 1, MAX_RESULTS, MAX_RESULTS + 1, 10**9])
def test_a_search_never_returns_more_than_the_most_a_caller_may_ask_for(index, limit):
    hits = index.search("volcano", limit=limit)
    assert len(hits) == min(max(limit, 1), MAX_RESULTS)


def test_a_long_phrase_finds_the_article_holding_its_first_sixteen_words(index):
    [hit] = index.search('"' + " ".join(WORDS[:40]) + '"', limit=5)
    assert hit.article.id == "sixteen"
