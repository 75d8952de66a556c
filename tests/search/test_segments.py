"""An index built in segments answers exactly as one build of the same articles."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.archive.model import Article
from bot.errors import UnknownSource
from bot.search.index import SearchIndex
from bot.search.types import Filters, Order
from bot.snapshot import ArchiveSnapshot

WORDS = [
    "market",
    "markets",
    "volcano",
    "erupts",
    "bank",
    "banks",
    "rate",
    "rates",
    "the",
    "of",
    "paulson",
    "treasury",
    "could",
    "you",
    "find",
    "crisis",
    "merkel",
    "bailout",
]
# Typos, sound-alikes, prefixes (the last word, unfinished), phrases, an unknown word.
QUERIES = [
    "market",
    "volcano erupts",
    "vocano",
    "poulsen treasury",
    "bnak rates",
    "cris",
    "the bank of",
    '"bank rate"',
    '"the market" crisis',
    "could you find the bailout",
    "merkle bail",
    "zzzz",
]
FILTERS = [
    None,
    Filters(after=date(2010, 1, 5)),
    Filters(before=date(2010, 1, 9), source="other wire"),
]
START = datetime(2010, 1, 1, 6, tzinfo=UTC)


def archive(titles: list[list[str]], bodies: list[list[str]], updates: list[bool]) -> list[Article]:
    """Articles a few hours apart, some re-filed ("UPDATE 1-"), from two outlets."""
    return [
        Article(
            f"a{n}",
            START + timedelta(hours=13 * n),
            "Wire" if n % 3 else "Other Wire",
            ("UPDATE 1-" if update else "") + " ".join(title),
            " ".join(body) or "Nothing.",
        )
        for n, (title, body, update) in enumerate(zip(titles, bodies, updates, strict=False))
    ]


def twins_of(articles: list[Article]) -> dict[str, str]:
    """What the loader reports: an article with an earlier one's text under another headline."""
    first: dict[str, Article] = {}
    twins = {}
    for article in articles:
        original = first.setdefault(article.body, article)
        if original is not article and original.title != article.title:
            twins[article.id] = original.id
    return twins


def answers(index: SearchIndex) -> list:
    """Everything a user can see: ranked ids with scores and versions, for every query shape."""
    seen: list = []
    for text in QUERIES:
        for filters in FILTERS:
            for order in Order:
                try:
                    hits = index.search(text, limit=10, filters=filters, order=order)
                except UnknownSource as exc:  # an outlet whose articles are all deleted
                    seen.append(str(exc))
                    continue
                seen.append([(h.article.id, h.score, h.versions, h.matched) for h in hits])
        seen.append([(s.id, s.title) for s in index.autocomplete(text)])
        seen.append(index.key_words(text + " please"))
    seen.append([(s.id, s.day) for s in index.autocomplete("")])
    seen.append([a.id for a in index.articles])
    seen.append(index.sources)
    seen.append(sorted(index.groups.tolist()))
    rng = random.Random(3)
    seen.append([getattr(index.random(rng), "id", None) for _ in range(5)])
    return seen


titles_st = st.lists(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), min_size=2, max_size=30
)
bodies_st = st.lists(st.lists(st.sampled_from(WORDS), max_size=10), min_size=30, max_size=30)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    titles=titles_st,
    bodies=bodies_st,
    updates=st.lists(st.booleans(), min_size=30, max_size=30),
    cuts=st.lists(st.integers(0, 30), max_size=4),
)
def test_segments_rank_and_group_exactly_as_one_build(titles, bodies, updates, cuts):
    articles = archive(titles, bodies, updates)
    twins = twins_of(articles)
    whole = SearchIndex.build(articles, twins=twins)
    bounds = sorted({min(c, len(articles)) for c in cuts} | {0, len(articles)})
    first = articles[: bounds[1]]
    index = SearchIndex.build(
        first, twins={k: v for k, v in twins.items() if k in {a.id for a in first}}
    )
    for lo, hi in pairwise(bounds[1:]):
        chunk = articles[lo:hi]
        ids = {a.id for a in chunk}
        index = index.with_segment(chunk, twins={k: v for k, v in twins.items() if k in ids})
    assert len(index.segments) == len(bounds) - 1
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
