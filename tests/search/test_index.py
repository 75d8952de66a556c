"""The index's lookups beside ranking: filters, ids and aliases, random articles, limits."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import pytest

from bot.archive.model import Article
from bot.errors import EmptyQuery, UnknownSource
from bot.search.index import SearchIndex
from bot.search.types import Filters, Order
from tests.search.hits import ids

FILLER = "The committee met on Tuesday and discussed several routine matters at length."


def test_filters_by_date_range_and_source(article):
    articles = [
        article("Flood warning", FILLER, id="2019", published=datetime(2019, 5, 1, tzinfo=UTC)),
        article("Flood warning", FILLER, id="2020", published=datetime(2020, 5, 1, tzinfo=UTC)),
        article(
            "Flood warning",
            FILLER,
            id="afp",
            source="AFP",
            published=datetime(2021, 5, 1, tzinfo=UTC),
        ),
    ]
    index = SearchIndex.build(articles)
    assert set(ids(index.search("flood"))) == {"2019", "2020", "afp"}
    in_2020 = Filters(after=date(2020, 1, 1), before=date(2020, 12, 31))
    assert ids(index.search("flood", filters=in_2020)) == ["2020"]
    assert ids(index.search("flood", filters=Filters(source="afp"))) == ["afp"]
    assert ids(index.search("flood", filters=Filters(before=date(2019, 5, 1)))) == ["2019"]
    for typed, said in [
        ("test wir", "no outlet called “test wir”. Did you mean “Test Wire”?"),
        ("nobody", "no outlet called “nobody”. It has 2: AFP, Test Wire."),
    ]:
        with pytest.raises(UnknownSource) as raised:
            index.search("flood", filters=Filters(source=typed))
        assert said in str(raised.value)


def test_get_resolves_ids_and_aliases_of_dropped_duplicates(article):
    index = SearchIndex.build([article(id="kept")], aliases={"dropped": "kept"})
    assert index.get("kept").id == "kept"
    assert index.get("dropped").id == "kept"
    assert index.get("missing") is None


def test_a_random_article_comes_from_the_filtered_ones_and_none_when_none_fit(article):
    def on(year: int) -> datetime:
        return datetime(year, 5, 1, tzinfo=UTC)

    index = SearchIndex.build(
        [
            article(id="a2010", published=on(2010), source="Reuters"),
            article(id="b2010", published=on(2010), source="AFP"),
            article(id="a2011", published=on(2011), source="Reuters"),
        ]
    )
    rng = random.Random(3)
    in_2010 = Filters.from_bounds(year=2010)
    assert {index.random(rng, in_2010).id for _ in range(50)} == {"a2010", "b2010"}
    assert {index.random(rng).id for _ in range(50)} == {"a2010", "b2010", "a2011"}
    assert index.random(rng, Filters.from_bounds(year=2012)) is None
    assert index.random(rng, Filters.from_bounds(source="reuters", year=2010)).id == "a2010"
    assert {index.random(rng, Filters.from_bounds(source="Reuters")).id for _ in range(50)} == {
        "a2010",
        "a2011",
    }


@pytest.mark.parametrize("query", ["", "   ", "?!", '""'])
def test_queries_without_words_are_user_errors(article, query):
    with pytest.raises(EmptyQuery):
        SearchIndex.build([article()]).search(query)


@pytest.mark.parametrize("same_story", [True, False])
def test_articles_tied_on_score_and_time_rank_the_same_in_any_indexing_order(same_story):
    """A rebuild reads files in path order, an update in the order they came: same answer."""
    when = datetime(2012, 5, 1, 9, tzinfo=UTC)
    tied = [
        Article(
            f"wire-{n}",
            when,
            "Wire",
            "Glacier retreat measured"
            if same_story
            else f"Glacier retreat measured in valley {'ab'[n % 2]}",
            "Ice thins.",
        )
        for n in (3, 1, 2)
    ]
    orders = [SearchIndex.build(order) for order in (tied, tied[::-1], tied[1:] + tied[:1])]
    for order in Order:  # by score, and by date: the same ties, the same answer
        answers = {
            tuple(hit.article.id for hit in index.search("glacier retreat", order=order))
            for index in orders
        }
        assert len(answers) == 1, order
    suggested = {tuple(s.id for s in index.autocomplete("glacier")) for index in orders}
    assert len(suggested) == 1
