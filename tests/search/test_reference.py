"""Scores, rankings and story groups agree with brute-force readings of their definitions.

The references (tests/search/reference.py) read every article from its text,
one word and one article at a time, as docs/search.md, :mod:`bot.search.ranking`
and :mod:`bot.search.postings` define ranking: BM25F with the title counted
``TITLE_WEIGHT`` times (the year a word of the headline) and lengths read
through their one-byte norm, statistics (document frequencies, lengths, the
headlines holding each word, all headline words) counted over every article
the index holds; the title bonus of every word not common; a word's subject
weight from headline against everyday use, or drawn; an everyday word set apart
by counting the headlines holding each pair of query words; the exactness
bonus and word-match step of subject words; the best-valued form of each
word. Stories are grouped from the loader's twin reports and from headlines
less their re-filing prefix, compared body with body. Which forms a typed
word stands for is the expander's, held to its own brute force
(test_expansion.py); here it is taken as given.

An index is checked as one build, and as segments with deletions and
replacements, where by definition a deleted article still counts in the
statistics but is never scored, shown or grouped, and then after a merge,
whose statistics no longer count the articles it dropped. Scoring word by word
through the documents a word reaches (sparse) and in whole arrays (dense) is
each held to the reference, never to the other. Scores agree within float32
rounding.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.archive.model import Article
from bot.errors import UnknownSource
from bot.search import expansion, ranking, subjects, together
from bot.search.index import SearchIndex
from bot.search.merge import apply, merge
from bot.search.query import parse_query
from bot.search.types import Filters, Order
from tests.search.archives import WORDS, parts, twins_of
from tests.search.reference import (
    Entry,
    Held,
    Judge,
    Reference,
    judged,
    reference_scores,
    story_versions,
)

TYPED = [*WORDS, "vocano", "marke", "poulsen", "treasry", "bnk", "crisis?", "2010", "2011"]
START = datetime(2010, 9, 1, 12, tzinfo=UTC)
HOURS_APART = 53  # neighbours within the three days of a re-filing, a year's turn at 110
FILTERS = Filters(after=date(2010, 10, 15), source="Wire 1")


def _archive(
    titles: list[list[str]], bodies: list[list[str]], refiled: list[bool]
) -> list[Article]:
    return [
        Article(
            f"a{n}",
            START + timedelta(hours=HOURS_APART * n),
            f"Wire {n % 3}",
            ("UPDATE 1-" if again else "") + " ".join(title),
            " ".join(body),
        )
        for n, (title, body, again) in enumerate(zip(titles, bodies, refiled, strict=False))
    ]


# Small archives, and archives of 100 articles or more, where a word in most
# of them is common (adds relevance, counts no match) and how telling a word is
# starts to count; bodies often hold "the" so that common words occur. Short
# titles repeat, so re-filed stories (and twins, bodies repeating) occur.
titles = st.lists(st.sampled_from(WORDS), min_size=1, max_size=5)
bodies = st.lists(st.sampled_from(WORDS), max_size=12)
bodies = st.one_of(bodies, bodies.map(lambda words: ["the", *words]))


def archives_of(n: int) -> st.SearchStrategy[list[Article]]:
    return st.builds(
        _archive,
        st.lists(titles, min_size=n, max_size=n),
        st.lists(bodies, min_size=n, max_size=n),
        st.lists(st.booleans(), min_size=n, max_size=n),
    )


archives = st.sampled_from([3, 30, 110]).flatmap(archives_of)
# A query: typed words, each with how telling it is. Drawn, so that asking
# words (0), words that only add relevance and title bonus (below
# SUBJECT_SHARE) and subjects are all scored; or judged by the words' headline
# against everyday use, as if the archive had the headlines to judge by.
queries = st.lists(
    st.tuples(st.sampled_from(TYPED), st.sampled_from([0.0, 0.1, 0.3, 0.6, 0.95, 1.0])),
    min_size=1,
    max_size=6,
)


@contextmanager
def telling_as(query: list[tuple[str, float]], *, drawn: bool) -> Iterator[tuple[str, Judge]]:
    """The query's text and how the reference weighs its words, the engine weighing them alike.

    Either as drawn, or judged by headline against everyday use; either way as
    if the archive had headlines enough to judge words by, which also sets an
    everyday word apart from words standing together (bot.search.together).
    """
    weights = dict(query)
    text = " ".join(word for word, _ in query)
    with patch.object(subjects, "JUDGED_FROM", 0), patch.object(together, "JUDGED_FROM", 0):
        if not drawn:
            yield text, judged(0)
            return
        with patch.object(expansion, "subject_weight", lambda word, *_: weights.get(word, 1.0)):
            yield text, lambda word, *_: weights.get(word, 1.0)


def one_build(articles: list[Article], twins: dict[str, str] | None = None):
    """An index of ``articles`` built at once, and what it holds by definition."""
    held = Held()
    held.add(articles, twins)
    return SearchIndex.build(articles, twins=twins), held


def check_scores(index: SearchIndex, held: Held, text: str, judge: Judge, *, title_only: bool):
    """Every live article's score is the definition's, scored sparse or dense; deleted ones
    are not compared."""
    entries = held.entries
    reference = reference_scores(
        index, [e.article for e in entries], text, judge=judge, judged_from=0, title_only=title_only
    )
    rows = [n for n, e in enumerate(entries) if e.live]
    found = [index._position(entries[n].article.id) for n in rows]
    at = [position for position in found if position is not None]
    assert len(at) == len(rows)
    for sparse in (True, False):
        with scoring(sparse=sparse):
            scored = ranking.score(
                parse_query(text), index._expander, index._size, title_only=title_only
            )
        ours, theirs = scored.scores[at], reference.scores[rows]
        assert np.all(np.abs(ours - theirs) <= reference.slack[rows])
        assert np.array_equal(ours > 0, theirs > 0)


def scoring(*, sparse: bool):
    """Every word scored through the documents it reaches (sparse), or whole arrays (dense)."""
    return patch.object(ranking, "SPARSE_BELOW", 0 if sparse else 10**9)


def check_search(
    index: SearchIndex, held: Held, text: str, judge: Judge, *, limit: int, sparse: bool
):
    """Hits, in every order, with and without filters, as the definitions list them.

    Best first: hits descend by reference score (ties: newest, then by id), one
    per story, and no story left out scores better than the last shown. By
    date: among the stories matching as many subject words as the best match
    does, the newest (oldest) first. Each hit lists its story's versions.
    """
    entries = held.entries
    reference = reference_scores(
        index, [e.article for e in entries], text, judge=judge, judged_from=0
    )
    versions = story_versions(held)
    row = {id(e): n for n, e in enumerate(entries)}
    live = {e.article.id: e for e in held.live}

    def story(entry: Entry) -> tuple[str, ...]:
        return versions[id(entry)] or (entry.article.id,)

    for filters, order in itertools.product([None, FILTERS], Order):
        try:
            with scoring(sparse=sparse):
                hits = index.search(text, limit=limit, filters=filters, order=order)
        except UnknownSource:  # every article of that outlet deleted
            assert all(e.article.source != FILTERS.source for e in held.live)
            continue
        shown = [live[hit.article.id] for hit in hits]
        assert [hit.versions for hit in hits] == [versions[id(e)] for e in shown]
        candidates = [
            e
            for e in held.live
            if reference.scores[row[id(e)]] > 0
            and (
                filters is None
                or (
                    (filters.after is None or e.article.calendar_date >= filters.after)
                    and e.article.source == filters.source
                )
            )
        ]
        assert all(e in candidates for e in shown)
        stories = [story(e) for e in shown]
        assert len(set(stories)) == len(stories)
        if order is Order.BEST:
            _check_best([row[id(e)] for e in shown], reference)
            left_out = [row[id(e)] for e in candidates if story(e) not in stories]
            if len(shown) < limit:  # every matching story is shown
                assert left_out == []
            elif shown:
                last = row[id(shown[-1])]
                for doc in left_out:
                    margin = reference.slack[doc] + reference.slack[last]
                    assert reference.scores[doc] <= reference.scores[last] + margin
        else:
            most = max((reference.matched[row[id(e)]] for e in candidates), default=0)
            by_date = sorted(
                (e for e in candidates if reference.matched[row[id(e)]] == most),
                key=lambda e: e.article.published,
                reverse=order is Order.NEWEST,
            )
            firsts = {story(e): e for e in reversed(by_date)}  # each story's first in date order
            expected = [e for e in by_date if firsts[story(e)] is e][:limit]
            assert shown == expected


def _check_best(rows: list[int], reference: Reference) -> None:
    for better, worse in itertools.pairwise(rows):
        margin = reference.slack[better] + reference.slack[worse]
        assert reference.scores[better] >= reference.scores[worse] - margin


@settings(max_examples=50, deadline=None)
@given(articles=archives, query=queries, title_only=st.booleans(), drawn=st.booleans())
def test_every_score_is_the_definitions(articles, query, title_only, drawn):
    index, held = one_build(articles)
    with telling_as(query, drawn=drawn) as (text, judge):
        check_scores(index, held, text, judge, title_only=title_only)


ASKING = ["could", "you", "find", "news", "about", "please"]  # everyday words, some of asking


@settings(max_examples=25, deadline=None)
@given(
    articles=archives_of(110),
    asking=st.lists(st.sampled_from(ASKING), min_size=1, max_size=3),
    subject=st.lists(st.sampled_from(TYPED), min_size=1, max_size=3),
    title_only=st.booleans(),
)
def test_words_weighed_by_headline_against_everyday_use_score_by_the_definition(
    articles, asking, subject, title_only
):
    """An archive large enough to judge words by: weights from the counted headlines."""
    index, held = one_build(articles)
    query = [(word, 1.0) for word in [*asking, *subject]]
    with telling_as(query, drawn=False) as (text, judge):
        check_scores(index, held, text, judge, title_only=title_only)


@settings(max_examples=40, deadline=None)
@given(
    articles=archives,
    query=queries,
    limit=st.integers(1, 8),
    drawn=st.booleans(),
    sparse=st.booleans(),
)
def test_search_shows_each_story_once_in_the_definitions_order(
    articles, query, limit, drawn, sparse
):
    index, held = one_build(articles, twins_of(articles))
    with telling_as(query, drawn=drawn) as (text, judge):
        check_search(index, held, text, judge, limit=limit, sparse=sparse)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    articles=archives,
    query=queries,
    limit=st.integers(1, 8),
    drawn=st.booleans(),
    title_only=st.booleans(),
    sparse=st.booleans(),
    data=st.data(),
)
def test_a_segmented_index_with_deletions_ranks_by_its_definition_before_and_after_a_merge(
    articles, query, limit, drawn, title_only, sparse, data
):
    """Random segments, some articles deleted or replaced as they are added, then a merge.

    The statistics count every article held, deleted ones too; only live ones
    are scored, shown and grouped. After a merge of some neighbouring
    segments, the articles it dropped no longer count.
    """
    twins = twins_of(articles)
    cuts = data.draw(st.lists(st.integers(1, len(articles)), max_size=4))
    held = Held()
    index: SearchIndex | None = None
    replacements = 0
    so_far: list[str] = []
    for chunk in parts(articles, cuts):
        if index is None:
            index = SearchIndex.build(chunk, twins=twins)
        else:
            index = index.with_segment(chunk, twins=twins)
        held.add(chunk, twins)
        so_far += [a.id for a in chunk]
        gone = data.draw(st.sets(st.sampled_from(so_far), max_size=max(len(so_far) // 4, 1)))
        index = index.without(gone)
        held.delete(gone)
        again = data.draw(st.lists(st.sampled_from(so_far), max_size=2, unique=True))
        if again:  # a file changed in place: its articles come again, with other text
            new = [
                Article(
                    article_id,
                    START + timedelta(hours=HOURS_APART * len(articles) + 7 * (replacements + n)),
                    "Wire 1",
                    " ".join(data.draw(titles)),
                    " ".join(data.draw(bodies)),
                )
                for n, article_id in enumerate(again)
            ]
            replacements += len(new)
            index = index.with_segment(new)
            held.add(new)
    assert index is not None
    with telling_as(query, drawn=drawn) as (text, judge):
        check_scores(index, held, text, judge, title_only=title_only)
        check_search(index, held, text, judge, limit=limit, sparse=sparse)
    first = data.draw(st.integers(0, len(index.segments) - 1))
    stop = data.draw(st.integers(first + 1, len(index.segments)))
    merged = apply(index, merge(index, first, stop))
    assert merged is not None
    held.merge(first, stop)
    with telling_as(query, drawn=drawn) as (text, judge):
        check_scores(merged, held, text, judge, title_only=title_only)
        check_search(merged, held, text, judge, limit=limit, sparse=sparse)
