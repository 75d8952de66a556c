"""Suggestions for Discord's autocomplete: few, fast, titles first."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.search.index import SearchIndex


def test_titles_first_then_body_matches(article):
    index = SearchIndex.build(
        [
            article("Weather report", "The volcano erupted overnight.", id="body"),
            article("Volcano erupts", "Ash everywhere.", id="title"),
        ]
    )
    assert [s.id for s in index.autocomplete("volca")] == ["title", "body"]


def test_at_most_25_and_newest_first_when_empty(article):
    articles = [
        article(f"Story {n}", "Text.", id=f"s{n}", published=datetime(2000 + n, 1, 1, tzinfo=UTC))
        for n in range(30)
    ]
    index = SearchIndex.build(articles)
    suggestions = index.autocomplete("")
    assert len(suggestions) == 25
    assert suggestions[0].id == "s29"
    assert len(index.autocomplete("story", limit=100)) == 25


def test_typos_in_partial_text(article):
    index = SearchIndex.build([article("Parliament dissolved", "x", id="p")])
    assert [s.title for s in index.autocomplete("parliment diss")] == ["Parliament dissolved"]
