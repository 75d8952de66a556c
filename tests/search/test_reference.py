"""Scores and rankings agree with a brute-force reading of the ranking's definition.

The reference below scores every article directly from its text, one word and
one article at a time, as :mod:`bot.search.ranking` and
:mod:`bot.search.postings` define it: BM25F with the title counted
``TITLE_WEIGHT`` times (the year a word of the headline), the title bonus of
every word not common, the exactness bonus and word-match step of subject words, and
the best-valued form of each query word. Which forms a typed word stands for
(typos, plurals, sound-alikes, asking words) is the expander's, tested against
its own brute force (test_fuzzy.py); here it is taken as given (an everyday
word standing apart from words that headlines print together is set apart
here by counting headlines), so every
scoring path those rules feed is checked against the definition rather than
against another path of the same code. A document's length is stored as a
one-byte norm (as Lucene does), so the reference reads lengths through that
norm; scores then agree within float32 rounding, never more.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from unittest.mock import patch

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.archive.model import Article
from bot.archive.text import tokenize
from bot.search import expansion, ranking, together
from bot.search.index import SearchIndex
from bot.search.postings import K1, NORM_SCALE, TITLE_WEIGHT, B, length_norms
from bot.search.query import parse_query
from bot.search.types import Filters

VOCABULARY = [
    "market", "markets", "volcano", "erupts", "bank", "banks", "rate", "rates", "the", "of",
    "paulson", "treasury", "could", "you", "find", "news", "about", "please", "crisis",
]  # fmt: skip
TYPED = [*VOCABULARY, "vocano", "marke", "poulsen", "treasry", "bnk", "crisis?", "2010", "2011"]


@dataclass(frozen=True)
class Reference:
    """Each article's score by the definition, and how far float32 rounding may move it."""

    scores: np.ndarray
    slack: np.ndarray


def reference_scores(index: SearchIndex, text: str, *, title_only: bool = False) -> Reference:
    articles = index.articles
    titles = [[*tokenize(a.title), str(a.calendar_date.year)] for a in articles]
    bodies = [tokenize(a.body) for a in articles]
    counts = [
        Counter(title * TITLE_WEIGHT + body) for title, body in zip(titles, bodies, strict=True)
    ]
    lengths = [
        len(body) + TITLE_WEIGHT * len(title) for title, body in zip(titles, bodies, strict=True)
    ]
    average = max(sum(lengths) / len(lengths), 1.0)
    # The length each posting is scored with: the nearest a one-byte norm holds.
    normed = np.expm1(length_norms(np.asarray(lengths)) / NORM_SCALE).tolist()
    expansions = ranking.expansions_for(parse_query(text), index._expander)
    subjects = _standing_together(index, titles, expansions)
    counted = [s for e, s in zip(expansions, subjects, strict=True) if e.counted]
    strongest = max(counted, default=0.0)
    scores = np.zeros(len(articles))
    slack = np.zeros(len(articles))
    for word, weight in zip(expansions, subjects, strict=True):
        if not len(word):
            continue
        telling = weight / strongest if strongest else 1.0
        if word.counted and not telling:
            continue
        subject = word.counted and telling >= ranking.SUBJECT_SHARE
        title_match = ranking.TITLE_MATCH / 4 if not word.counted else ranking.TITLE_MATCH
        exactness = ranking.EXACTNESS if subject else 0.0
        forms = [
            (
                index.lexicon.terms[int(t)],
                float(w) * (telling if word.counted else 1.0),
                float(i),
            )
            for t, w, i in zip(word.term_ids, word.weights, word.idf, strict=True)
        ]
        for doc, (title, count) in enumerate(zip(titles, counts, strict=True)):
            values = []
            for term, scale, idf in forms:
                if title_only:
                    if term in title:
                        values.append((scale * idf, 0.0))
                    continue
                tf = count[term]
                if not tf:
                    continue
                norm = K1 * (1 - B + B * normed[doc] / average)
                part = tf * (K1 + 1) / (tf + norm)
                value = scale * (part * idf + title_match * (term in title) + exactness)
                values.append((value, scale * idf * (K1 + 1) * 1e-6))
            if values:
                value, rounding = max(values)
                scores[doc] += value + (ranking.WORD_MATCH * telling if subject else 0.0)
                slack[doc] += rounding
    return Reference(scores, slack + 1e-4 * scores + 1e-3)


def _standing_together(
    index: SearchIndex, titles: list[list[str]], expansions: list[expansion.Expansion]
) -> list[float]:
    """Each word's subject weight, an everyday word set apart by headline counts.

    Two words stand together when more than ``LIFT`` times the headlines that
    chance predicts hold a form of each, and one at least; an everyday word
    that stands with none while two others stand together weighs at most
    ``APART`` of the strongest.
    """
    subjects = [e.subject for e in expansions]
    if index.lexicon.title_postings_count < together.JUDGED_FROM:
        return subjects
    candidates = [n for n, e in enumerate(expansions) if e.counted and e.subject > 0 and len(e)]
    heads = {
        n: {
            doc
            for doc, title in enumerate(titles)
            if any(index.lexicon.terms[int(t)] in title for t in expansions[n].term_ids)
        }
        for n in candidates
    }
    linked = {
        n: any(
            len(heads[n] & heads[m]) >= 1
            and len(heads[n] & heads[m])
            > together.LIFT * len(heads[n]) * len(heads[m]) / len(titles)
            for m in candidates
            if m != n
        )
        for n in candidates
    }
    if not any(linked.values()):
        return subjects
    strongest = max(subjects[n] for n in candidates)
    return [
        min(s, together.APART * strongest)
        if n in linked and not linked[n] and expansions[n].everyday
        else s
        for n, s in enumerate(subjects)
    ]


def _archive(titles: list[list[str]], bodies: list[list[str]]) -> list[Article]:
    start = datetime(2010, 1, 1, 12, tzinfo=UTC)
    return [
        Article(f"a{n}", start + timedelta(days=40 * n), f"Wire {n % 3}", " ".join(t), " ".join(b))
        for n, (t, b) in enumerate(zip(titles, bodies, strict=False))
    ]


# Small archives, and archives of 100 articles or more, where a word in most
# of them is common (adds relevance, counts no match) and how telling a word is
# starts to count; bodies often hold "the" so that common words occur.
titles = st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=5)
bodies = st.lists(st.sampled_from(VOCABULARY), max_size=12)
bodies = st.one_of(bodies, bodies.map(lambda words: ["the", *words]))
archives = st.sampled_from([3, 30, 110]).flatmap(
    lambda n: st.builds(
        _archive,
        st.lists(titles, min_size=n, max_size=n),
        st.lists(bodies, min_size=n, max_size=n),
    )
)
# A query: typed words, each with how telling it is. That comes from everyday
# word rates, which make every word of a small archive a subject; drawn here
# instead, so that asking words (0), words that only add relevance and title
# bonus (below SUBJECT_SHARE) and subjects are all scored.
queries = st.lists(
    st.tuples(st.sampled_from(TYPED), st.sampled_from([0.0, 0.1, 0.3, 0.6, 0.95, 1.0])),
    min_size=1,
    max_size=6,
)


@contextmanager
def telling_as(query: list[tuple[str, float]]) -> Iterator[str]:
    """The query's text, with its words weighed as drawn while inside.

    As if the archive had the headlines to judge words by, which also sets an
    everyday word apart from words standing together (bot.search.together).
    """
    drawn = dict(query)
    with (
        patch.object(expansion, "subject_weight", lambda word, *_: drawn.get(word, 1.0)),
        patch.object(together, "JUDGED_FROM", 0),
    ):
        yield " ".join(word for word, _ in query)


@settings(max_examples=50, deadline=None)
@given(articles=archives, query=queries, title_only=st.booleans())
def test_every_score_is_the_definitions(articles, query, title_only):
    index = SearchIndex.build(articles)
    with telling_as(query) as text:
        reference = reference_scores(index, text, title_only=title_only)
        scored = ranking.score(
            parse_query(text), index._expander, len(articles), title_only=title_only
        )
    assert np.all(np.abs(scored.scores - reference.scores) <= reference.slack)
    assert np.array_equal(scored.scores > 0, reference.scores > 0)


@settings(max_examples=50, deadline=None)
@given(
    articles=archives,
    query=queries,
    limit=st.integers(1, 8),
    filtered=st.booleans(),
)
def test_search_shows_the_best_story_first_by_the_definition(articles, query, limit, filtered):
    """Hits descend by reference score, one per story, and nothing better is left out."""
    index = SearchIndex.build(articles)
    filters = Filters(after=date(2010, 6, 1), source="Wire 1") if filtered else None
    with telling_as(query) as text:
        reference = reference_scores(index, text)
        hits = index.search(text, limit=limit, filters=filters)
    allowed = np.array([
        filters is None or (a.calendar_date >= filters.after and a.source == filters.source)
        for a in articles
    ])  # fmt: skip
    shown = [index._position(hit.article.id) for hit in hits]
    assert all(allowed[doc] and reference.scores[doc] > 0 for doc in shown)
    stories = [int(index._stories[doc]) for doc in shown]
    assert len(set(stories)) == len(stories)
    for better, worse in itertools.pairwise(shown):
        margin = reference.slack[better] + reference.slack[worse]
        assert reference.scores[better] >= reference.scores[worse] - margin
    left_out = [
        doc
        for doc in np.flatnonzero(allowed & (reference.scores > 0)).tolist()
        if int(index._stories[doc]) not in stories
    ]
    if len(shown) < limit:  # every matching story is shown
        assert left_out == []
    elif shown:
        last = shown[-1]
        for doc in left_out:
            assert (
                reference.scores[doc]
                <= reference.scores[last] + reference.slack[doc] + reference.slack[last]
            )
