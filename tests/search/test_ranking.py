"""Ranking properties a user relies on, each on a corpus built to isolate it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.archive.model import Article
from bot.search.index import SearchIndex
from bot.search.types import Order
from tests.search.hits import ids

FILLER = "The committee met on Tuesday and discussed several routine matters at length."


def test_exact_matches_outrank_fuzzy_ones(article):
    index = SearchIndex.build(
        [
            article("Budget news", f"{FILLER} The senators debated.", id="fuzzy"),
            # A month older: a separate story, and never first for being newer.
            article(
                "Budget news",
                f"{FILLER} The senator debated.",
                id="exact",
                published=datetime(2020, 2, 26, tzinfo=UTC),
            ),
        ]
    )
    assert ids(index.search("senator budget")) == ["exact", "fuzzy"]


def test_title_matches_outrank_body_matches(article):
    index = SearchIndex.build(
        [
            article("Routine meeting", f"{FILLER} Pipeline approved.", id="body"),
            article("Pipeline approved", f"{FILLER} Routine meeting.", id="title"),
        ]
    )
    assert ids(index.search("pipeline")) == ["title", "body"]


def test_more_query_words_matched_outranks_fewer(article):
    index = SearchIndex.build(
        [
            article("Harbour harbour harbour", "Harbour harbour harbour harbour.", id="one-word"),
            article("Notes", f"{FILLER} The harbour crane collapsed.", id="two-words"),
        ]
    )
    assert ids(index.search("harbour crane")) == ["two-words", "one-word"]


def test_a_word_most_articles_hold_does_not_count_as_a_word_matched(article):
    """ "to" is in most articles below, so it cannot tell which one a user means."""
    filler = [article(f"Notes {n}", f"Rain is expected to fall on day {n}.") for n in range(100)]
    index = SearchIndex.build(
        [
            article("Bear Stearns rescued", "Shares fell. JPMorgan bought it.", id="headline"),
            article("Markets", "What happened to Bear Stearns shocked traders.", id="body"),
            *filler,
        ]
    )
    assert ids(index.search("to bear stearns"))[:2] == ["headline", "body"]
    assert ids(index.search("what happened to bear stearns"))[:2] == ["body", "headline"]
    assert ids(index.search("to", limit=3))  # alone, a common word still finds articles
    by_date = index.search("to bear stearns", order=Order.NEWEST)
    assert set(ids(by_date)) == {"headline", "body"}  # both match every telling word
    body_hit = index.search("to bear stearns")[1]
    assert "**Bear** **Stearns**" in body_hit.snippet and "**to**" not in body_hit.snippet
    assert "**to**" in index.search("to")[0].snippet  # alone, it is what is highlighted


def test_in_a_small_archive_no_word_is_common(article):
    index = SearchIndex.build(
        [
            article("Bear Stearns rescued", "Shares fell. JPMorgan bought it.", id="headline"),
            article("Markets", "What happened to Bear Stearns shocked traders.", id="body"),
            article("Weather", "Rain is expected to fall.", id="rain"),
        ]
    )
    assert ids(index.search("to bear stearns"))[:2] == ["body", "headline"]


def test_a_year_in_the_query_prefers_articles_from_that_year(article):
    def on(year: int) -> datetime:
        return datetime(year, 5, 1, tzinfo=UTC)

    index = SearchIndex.build(
        [
            article("Bailout talks", f"{FILLER} Greece waits.", id="2012", published=on(2012)),
            article("Bailout talks", f"{FILLER} Greece waits.", id="2010", published=on(2010)),
            article("Bailout", f"{FILLER} Greece, as in 2010.", id="says", published=on(2011)),
        ]
    )
    # Without the year the oldest comes last; with it, first, ahead of newer
    # articles and of one that only mentions the year.
    assert ids(index.search("greece bailout"))[-1] == "2010"
    assert ids(index.search("greece bailout 2010")) == ["2010", "says", "2012"]
    assert [s.id for s in index.autocomplete("bailout 2010")][:1] == ["2010"]


def test_typos_are_tolerated(article):
    index = SearchIndex.build(
        [article("Morgan Stanley talks", FILLER, id="ms"), article("Other", FILLER, id="x")]
    )
    assert ids(index.search("morgdan stalney"))[:1] == ["ms"]


def test_last_word_matches_as_a_prefix_while_typing(article):
    index = SearchIndex.build(
        [article("Parliament dissolved", FILLER, id="p"), article("Party time", FILLER, id="t")]
    )
    assert ids(index.search("parliam")) == ["p"]
    assert ids(index.search("dissolved parl")) == ["p"]


def test_a_short_prefix_completes_to_its_most_frequent_words_only(article):
    # Numbered headlines: otherwise each group would be versions of one story.
    stories = [article(f"Story {n}", "over there, theirs", id=f"both{n}") for n in range(10)]
    stories += [article(f"Story 1{n}", "it is theirs", id=f"theirs{n}") for n in range(10)]
    stories += [article(f"Story 2{n}", "a thesis", id=f"thesis{n}") for n in range(2)]
    index = SearchIndex.build(stories)
    # "theirs" reaches 20 of the 22 documents; adding "there" (10 more postings) would
    # pass one posting per document, so the short prefix stops before it and before the
    # rare "thesis" ...
    found = {h.article.id for h in index.search("the", limit=50)}
    assert found == {f"both{n}" for n in range(10)} | {f"theirs{n}" for n in range(10)}
    # ... which a longer prefix finds.
    assert {h.article.id for h in index.search("thes")} == {"thesis0", "thesis1"}


def test_only_the_last_word_is_a_prefix(article):
    index = SearchIndex.build([article("Parliament dissolved", FILLER, id="p")])
    assert index.search("parl zzzz") == []


def test_quoted_phrases_require_adjacent_words(article):
    index = SearchIndex.build(
        [
            article("Rates up", "The central bank raised rates.", id="phrase"),
            article("Rates rise", "The bank in the central district raised rates.", id="scattered"),
        ]
    )
    assert ids(index.search('"central bank"')) == ["phrase"]
    assert set(ids(index.search("central bank"))) == {"phrase", "scattered"}
    assert ids(index.search('rates "central bank"')) == ["phrase"]


@pytest.mark.parametrize(
    ("body", "matches"),
    [
        ("The Central-Bank raised rates.", True),  # punctuation splits words, as in the index
        ("Its decentral bank raised rates.", False),  # the phrase must start a word
        ("The central banks raised rates.", False),  # and end one
        ("The central bank_raised rates.", True),
        ("Decentral bank central bank rates.", True),  # a mid-word near miss, then the phrase
        ("البنك المركزي رفع", False),
    ],
)
def test_quoted_phrases_match_whole_words_only(article, body, matches):
    index = SearchIndex.build([article("Rates", body, id="one"), article("Other", "central bank")])
    found = "one" in ids(index.search('"central bank"'))
    assert found is matches


def test_limit_and_newest_first_among_ties(article):
    articles = [
        article("Same", "Same.", id=f"y{year}", published=datetime(year, 1, 1, tzinfo=UTC))
        for year in (2001, 2005, 2003)
    ]
    assert ids(SearchIndex.build(articles).search("same", limit=2)) == ["y2005", "y2003"]


def test_a_phrase_overlapping_a_mid_word_near_miss_is_found(article):
    index = SearchIndex.build([article("Echo", "Xecho echo echo", id="one")])
    assert ids(index.search('"echo echo"')) == ["one"]


def test_quoted_arabic_phrase_matches_across_spelling_variants(article):
    index = SearchIndex.build([article("خبر", "قال البنك المركزي إنه رفع الفائدة", id="ar")])
    assert ids(index.search('"البنك المركزى"')) == ["ar"]  # alef maqsura for yaa
    assert ids(index.search('"المركزي البنك"')) == []


def test_a_four_letter_word_missing_a_letter_finds_the_five_letter_word(article):
    index = SearchIndex.build(
        [
            article("Bonus cut", "Traders lose their bonus.", id="bonus"),
            article("Bank opens", "The bank opened.", id="bank"),
            article("Blank page", "A blank page.", id="blank"),
        ]
    )
    assert ids(index.search("bnus")) == ["bonus"]
    assert ids(index.search("bank")) == ["bank"]  # a word in the archive is taken as typed


def test_a_short_word_the_archive_lacks_is_read_as_a_typo(article):
    index = SearchIndex.build(
        [
            article("Bank opens", "The bank opened.", id="bank"),
            article("Band plays", "The band played.", id="band"),
            article("Iran talks", "Talks in Iran.", id="iran"),
            article("Hong Kong shares", "Markets rose.", id="hk"),
        ]
    )
    assert ids(index.search("bnak")) == ["bank"]  # letters swapped
    assert ids(index.search("iarn")) == ["iran"]
    assert ids(index.search("kog")) == ["hk"]  # a letter missing
    assert ids(index.search("band")) == ["band"]  # a word the archive has is taken as typed
    assert ids(index.search('"bnak"')) == []  # quoted: exactly as typed


def test_words_past_the_sixteenth_do_not_rank(article):
    index = SearchIndex.build([article("Volcano", "Lava flows.", id="v")])
    filler = " ".join(f"zz{n}" for n in range(16))
    assert index.search(f"volcano {filler}")[0].article.id == "v"
    assert index.search(f"{filler} volcano") == []  # a pasted paragraph can't stall the bot


def test_date_orders_list_the_best_matching_articles_by_date(article):
    def on(year: int) -> datetime:
        return datetime(year, 5, 1, tzinfo=UTC)

    index = SearchIndex.build(
        [
            article("Greek debt talks", FILLER, id="2010", published=on(2010)),
            article("Greek debt deal", FILLER, id="2012", published=on(2012)),
            article(
                "Greek debt: the headline that says it all", FILLER, id="2011", published=on(2011)
            ),
            article("Debt ceiling", FILLER, id="2013-debt-only", published=on(2013)),
            article('"Greek debt" vote', FILLER, id="2009", published=on(2009)),
        ]
    )
    newest = [h.article.id for h in index.search("greek debt", order=Order.NEWEST)]
    assert newest == ["2012", "2011", "2010", "2009"]  # not the newer one-word match
    oldest = [h.article.id for h in index.search("greek debt", order=Order.OLDEST, limit=2)]
    assert oldest == ["2009", "2010"]
    assert index.search("debt", order=Order.NEWEST)[0].article.id == "2013-debt-only"
    phrase = [h.article.id for h in index.search('"greek debt" vote', order=Order.NEWEST)]
    assert phrase == ["2009"]
    assert index.search("volcano", order=Order.NEWEST) == []


@settings(max_examples=60, deadline=None)
@given(
    stories=st.lists(
        st.tuples(
            st.sets(st.sampled_from(["oil", "price", "opec", "cut"]), min_size=1),
            st.integers(0, 3000),  # days after 2006-01-01
        ),
        min_size=1,
        max_size=25,
    ),
    query=st.sets(st.sampled_from(["oil", "price", "opec", "cut"]), min_size=1),
    order=st.sampled_from([Order.NEWEST, Order.OLDEST]),
)
def test_date_orders_match_a_brute_force_reading_of_their_definition(stories, query, order):
    start = datetime(2006, 1, 1, tzinfo=UTC)
    articles = [
        Article(
            f"s{n}",
            start + timedelta(days=day, minutes=n),
            "Wire",
            " ".join(sorted(words)),
            f"b{n}",
        )
        for n, (words, day) in enumerate(stories)
    ]
    index = SearchIndex.build(articles)
    found = [
        hit.article.id for hit in index.search('"' + '" "'.join(query) + '"', limit=30, order=order)
    ]
    # Quoted: exact words only. The best-matching articles hold the most query words.
    held = {a.id: len(query & set(a.title.split())) for a in articles}
    most = max(held.values())
    expected = sorted(
        (a for a in articles if most and held[a.id] == most), key=lambda a: a.published
    )
    if order is Order.NEWEST:
        expected.reverse()
    assert found == [a.id for a in expected]
