"""One hit per story: re-filed versions show once, with their count, and each stays openable."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.archive.loader import load_archive
from bot.archive.model import Article
from bot.search.cache import load, save
from bot.search.index import SearchIndex
from bot.search.stories import (
    Versions,
    chain_links,
    groups_from,
    headline_key,
    story_groups,
)
from tests.search.archives import archives_st
from tests.search.hits import ids


def day(n: int) -> datetime:
    return datetime(2007, 10, n, 12, 0, tzinfo=UTC)


@pytest.fixture
def refiled(article):
    return [
        article("Oil hits record high", "Crude rose to $90.", id="v1", published=day(15)),
        article(
            "UPDATE 1-Oil hits record high",
            "Crude rose to $90 a barrel.",
            id="v2",
            published=day(15),
        ),
        article(
            "UPDATE 2-Oil hits record high", "Crude rose to $90.07.", id="v3", published=day(17)
        ),
        article(
            "Oil hits record high",
            "A year later, crude again.",
            id="later",
            published=datetime(2008, 10, 15, tzinfo=UTC),
        ),
        article("Gold steady as oil climbs", "Gold held.", id="gold", published=day(16)),
    ]


def test_grouped_versions_show_once_with_their_count_and_each_stays_openable(refiled):
    index = SearchIndex.build(refiled)
    hits = index.search("oil record high")
    assert ids(hits).count("later") == 1
    story = [h for h in hits if h.article.id in {"v1", "v2", "v3"}]
    assert len(story) == 1
    assert story[0].versions == ("v1", "v2", "v3")  # oldest first, the shown one included
    assert all(index.get(version).id == version for version in story[0].versions)
    alone = next(h for h in hits if h.article.id == "later")
    assert alone.versions == ()  # a year later is another story


def test_a_page_is_still_filled_when_versions_are_skipped(article):
    articles = [
        article(f"UPDATE {n}-Harbour strike spreads", f"Day one, version {n}.", published=day(3))
        for n in range(1, 15)
    ] + [article(f"Harbour note {n}", "Harbour strike talk.", published=day(20)) for n in range(6)]
    hits = SearchIndex.build(articles).search("harbour strike", limit=5)
    assert len(hits) == 5
    assert sum(len(h.versions) == 14 for h in hits) == 1


def test_date_orders_also_show_a_story_once(refiled):
    from bot.search.types import Order

    hits = SearchIndex.build(refiled).search("oil record", order=Order.NEWEST)
    assert ids(hits)[:2] == ["later", "v3"]  # the newest version speaks for its story


def test_a_duplicate_body_under_another_headline_stays_findable_by_that_headline(tmp_path):
    body = "The central bank raised its main rate by a quarter point on Thursday."
    rows = [
        {
            "id": "first",
            "date": "2010-05-06T10:00:00+00:00",
            "source": "Wire",
            "title": "Central bank lifts rates",
            "body": body,
        },
        {
            "id": "twin",
            "date": "2010-05-06T11:00:00+00:00",
            "source": "Wire",
            "title": "FACTBOX: Monetary tightening in Ruritania",
            "body": body,
        },
        {
            "id": "copy",
            "date": "2010-05-06T12:00:00+00:00",
            "source": "Wire",
            "title": "Central bank lifts rates",
            "body": body,
        },
    ]
    path = tmp_path / "archive.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    report = load_archive([path])
    assert report.twins == {"twin": "first"}
    assert report.aliases == {"copy": "first"}  # same headline: kept once, as before
    assert [p.is_note for p in report.problems] == [True]
    index = SearchIndex.build(report.articles, report.aliases, report.twins)
    hits = index.search("monetary tightening ruritania")
    assert ids(hits) == ["twin"]
    assert hits[0].versions == ("first", "twin")
    assert ids(index.search("central bank lifts rates")) == ["first"]


@pytest.mark.parametrize(
    ("title", "key"),
    [
        ("UPDATE 3-Cigna earnings rise", "cigna earnings rise"),
        ("update 12 - Cigna earnings rise", "cigna earnings rise"),
        ("WRAPUP 1-Cigna earnings rise", "cigna earnings rise"),
        ("FACTBOX-Cigna earnings rise", "factbox cigna earnings rise"),  # a kind, not a re-filing
        ("Updated forecast", "updated forecast"),
    ],
)
def test_headline_keys_drop_only_the_refiling_prefix(title, key):
    assert headline_key(title) == key


def test_versions_chain_within_the_window_but_not_across_a_gap(article):
    articles = [article("Strike spreads", id=f"d{n}", published=day(n)) for n in (1, 3, 6, 20)]
    assert story_groups(articles, {}).tolist() == [0, 0, 0, 3]


def test_story_groups_are_cached_with_the_index(refiled, tmp_path):
    index = SearchIndex.build(refiled)
    save(index, [], tmp_path / "entry")
    loaded, _ = load(tmp_path / "entry")
    assert np.array_equal(loaded.groups, index.groups)
    assert [h.versions for h in loaded.search("oil")] == [h.versions for h in index.search("oil")]


def test_a_recurring_headline_over_another_text_is_another_story(article):
    articles = [
        article("Stocks rise", "Tech shares led a rally on Monday.", published=day(1)),
        article("Stocks rise", "Banks gained after earnings beat forecasts.", published=day(2)),
    ]
    assert story_groups(articles, {}).tolist() == [0, 1]


@given(
    st.integers(1, 40).flatmap(
        lambda size: st.tuples(
            st.just(size),
            st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)), max_size=60),
            st.lists(st.integers(0, 5), min_size=size, max_size=size),
        )
    )
)
def test_stories_are_the_linked_components_and_versions_run_oldest_first(drawn):
    size, links, times = drawn
    # The reference: grow each component from its smallest position, breadth first.
    neighbours: dict[int, set[int]] = {n: set() for n in range(size)}
    for a, b in links:
        neighbours[a].add(b)
        neighbours[b].add(a)
    expected = list(range(size))
    for start in range(size):
        if expected[start] != start:
            continue
        frontier = [start]
        while frontier:
            n = frontier.pop()
            for m in neighbours[n]:
                if m > start and expected[m] == m:
                    expected[m] = start
                    frontier.append(m)
    groups = groups_from(size, links)
    assert groups.tolist() == expected
    stamps = np.asarray(times, dtype=np.float64)
    versions = Versions(groups, stamps).as_dict()
    members: dict[int, list[int]] = {}
    for n, group in enumerate(expected):
        members.setdefault(group, []).append(n)
    assert versions == {
        group: tuple(sorted(run, key=lambda n: (times[n], n)))
        for group, run in members.items()
        if len(run) > 1
    }


refilings = st.lists(  # a few headlines, re-filed over a few days with overlapping words
    st.tuples(
        st.sampled_from(["Oil hits record", "UPDATE 1-Oil hits record", "Gold steady", "Rain"]),
        st.integers(1, 9),
        st.lists(st.sampled_from(["crude", "rose", "gold", "held", "rain", "fell"]), min_size=1),
    ),
    max_size=40,
).map(
    lambda drawn: [
        Article(f"a{n}", day(when), "Wire", title, " ".join(words))
        for n, (title, when, words) in enumerate(drawn)
    ]
)


@settings(max_examples=60, deadline=None)
@given(st.one_of(refilings, archives_st), st.integers(1, 4))
def test_chains_drawn_in_shares_are_the_chains_drawn_whole(articles, shares):
    """A cold build draws the chains in shares, one process each: together, every link once."""
    drawn = [chain_links(articles, share=(k, shares)) for k in range(shares)]
    together = [link for share in drawn for link in share]
    assert sorted(together) == sorted(chain_links(articles))
    assert len(set(together)) == len(together)
