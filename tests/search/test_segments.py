"""An index built in segments answers exactly as one build of the same articles."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import numpy as np
from hypothesis import HealthCheck, given, settings

from bot.search.index import SearchIndex
from bot.search.types import Filters, Order
from bot.snapshot import ArchiveSnapshot
from tests.search.archives import answers, archives_st, cuts_st, parts, segmented, twins_of


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    articles=archives_st,
    cuts=cuts_st,
)
def test_segments_rank_and_group_exactly_as_one_build(articles, cuts):
    twins = twins_of(articles)
    whole = SearchIndex.build(articles, twins=twins)
    index = segmented(articles, twins, cuts)
    assert len(index.segments) == len(parts(articles, cuts))
    assert answers(index) == answers(whole)
    assert np.array_equal(index.groups, whole.groups)


def test_deleted_articles_appear_nowhere(article):
    day = datetime(2011, 3, 26, 9, tzinfo=UTC)
    kept = [
        article("Volcano erupts", "Lava flows.", id="v1", published=day),
        article(
            "UPDATE 1-Volcano erupts",
            "Lava flows. Towns wait.",
            id="v2",
            published=day + timedelta(hours=2),
        ),
    ]
    index = SearchIndex.build(kept, files=["a.jsonl", "a.jsonl"])
    index = index.with_segment(
        [
            article(
                "UPDATE 2-Volcano erupts",
                "Lava flows. Towns wait. Ash.",
                id="v3",
                published=day + timedelta(hours=4),
            ),
            article("Glacier melts", "Ice.", id="g1", source="Ice Wire", published=day),
        ],
        files=["b.jsonl", "b.jsonl"],
    )
    assert index.search("volcano")[0].versions == ("v1", "v2", "v3")
    assert index.file_of("g1") == "b.jsonl"
    gone = index.without(["v2"]).without(files=["b.jsonl"])
    assert [a.id for a in gone.articles] == ["v1"]
    for text in ("volcano", "glacier", "lava ash", '"towns wait"', "ice"):
        for order in Order:
            assert {h.article.id for h in gone.search(text, order=order)} <= {"v1"}
        assert {s.id for s in gone.autocomplete(text)} <= {"v1"}
    assert [s.id for s in gone.autocomplete("")] == ["v1"]
    assert gone.search("volcano")[0].versions == ()  # its other versions are gone
    assert gone.get("v2") is None and gone.get("g1") is None and gone.get("v1") is not None
    assert index.without(["v1"]).get("v3").title == "UPDATE 2-Volcano erupts"  # type: ignore[union-attr]
    assert gone.sources == ["Test Wire"]
    rng = random.Random(1)
    assert {gone.random(rng).id for _ in range(50)} == {"v1"}  # type: ignore[union-attr]
    assert gone.random(rng, Filters(source="Test Wire")).id == "v1"  # type: ignore[union-attr]
    calendar = ArchiveSnapshot.of(gone).calendar.select(date(2012, 3, 26))
    assert [a.id for group in calendar for a in group.articles] == ["v1"]
    # The old index is untouched: an update makes a new one.
    assert {a.id for a in index.articles} == {"v1", "v2", "v3", "g1"}


def test_an_article_added_again_replaces_its_older_copy(article):
    index = SearchIndex.build([article("Volcano erupts", "Lava.", id="v1")])
    index = index.with_segment([article("Volcano sleeps", "Quiet.", id="v1")])
    assert [a.title for a in index.articles] == ["Volcano sleeps"]
    assert [h.article.title for h in index.search("volcano")] == ["Volcano sleeps"]
