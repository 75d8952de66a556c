"""Postings: counted exactly as a plain Counter over ``tokenize`` counts, in one process or two."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from unittest.mock import patch

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import bot.search.postings as postings_module
from bot.archive.bodies import BodyFile
from bot.archive.model import Article
from bot.archive.text import tokenize
from bot.search.postings import (
    MAX_CODE_TF,
    TITLE_WEIGHT,
    Postings,
    build_postings,
    length_norms,
    part_table,
)


def test_parallel_build_equals_sequential(article, monkeypatch):
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    articles = [
        article(
            f"{words[n % 8]} {words[(n * 3) % 8]}",
            " ".join(words[: 1 + n % 8]) * (1 + n % 3) + (f" late{n} aaa" if n > 40 else ""),
        )
        for n in range(60)  # "late..." and "aaa" appear only in the second process's half
    ]
    monkeypatch.setattr(postings_module, "PARALLEL_FROM", 10**9)
    sequential = build_postings(articles)
    monkeypatch.setattr(postings_module, "PARALLEL_FROM", 10)
    parallel = build_postings(articles)
    assert parallel.terms == sequential.terms
    for name in ("offsets", "docs", "codes", "in_title", "title_offsets", "title_docs", "lengths"):
        assert np.array_equal(getattr(parallel, name), getattr(sequential, name)), name


def test_title_flags_and_doc_order(article):
    built = build_postings([article("Rain", "sun rain"), article("Sun", "rain")])
    rain = built.span(built.terms.index("rain"))
    sun = built.span(built.terms.index("sun"))
    assert built.docs[rain].tolist() == [0, 1]
    assert built.in_title[rain].tolist() == [1, 0]
    assert built.in_title[sun].tolist() == [0, 1]
    titles = {
        t: built.title_docs[built.title_offsets[n] : built.title_offsets[n + 1]].tolist()
        for n, t in enumerate(built.terms)
    }
    assert titles == {"rain": [0], "sun": [1], "2020": [0, 1]}  # the year is a headline word


def test_a_word_repeated_beyond_the_count_range_still_indexes(article):
    built = build_postings([article("Spam", "spam " * 70_000), article("Ham", "ham spam")])
    spam = built.span(built.terms.index("spam"))
    assert built.docs[spam].tolist() == [0, 1]
    assert built.codes[spam][0] >> 8 == MAX_CODE_TF  # the count is capped, not wrapped
    assert built.codes[spam][1] >> 8 == 1
    parts = part_table(float(built.lengths.mean()))[built.codes[spam]]
    assert parts[0] > parts[1]  # more occurrences, higher weight


def test_every_term_lists_exactly_the_documents_holding_it(article, monkeypatch):
    """Against a set-based reference, across batch, chunk and process boundaries."""
    rng = np.random.default_rng(7)
    vocabulary = [f"w{n}" for n in range(40)]
    texts = [
        (" ".join(rng.choice(vocabulary, 3)), " ".join(rng.choice(vocabulary, rng.integers(1, 30))))
        for _ in range(50)
    ]
    monkeypatch.setattr(postings_module, "CHUNK_DOCS", 4)
    monkeypatch.setattr(postings_module, "COUNT_DOCS", 7)
    monkeypatch.setattr(postings_module, "PARALLEL_FROM", 10)
    built = build_postings([article(title, body) for title, body in texts])
    titles = [f"{title} 2020".split() for title, _ in texts]  # the fixture's year
    for term_id, term in enumerate(built.terms):
        span = built.span(term_id)
        holding = [n for n, (_, body) in enumerate(texts) if term in titles[n] + body.split()]
        assert built.docs[span].tolist() == holding, term
        assert built.in_title[span].tolist() == [int(term in titles[n]) for n in holding], term
        title_span = slice(built.title_offsets[term_id], built.title_offsets[term_id + 1])
        assert built.title_docs[title_span].tolist() == [n for n in holding if term in titles[n]]


def reference_postings(articles: list[Article]) -> Postings:
    """The postings written out plainly: a Counter per article over ``tokenize``'s words."""
    counted = []
    for article in articles:
        title = [*tokenize(article.title), str(article.calendar_date.year)]
        body = tokenize(article.body)
        counted.append((Counter(title * TITLE_WEIGHT + body), set(title)))
    lengths = np.array(
        [len(tokenize(a.body)) + TITLE_WEIGHT * (len(tokenize(a.title)) + 1) for a in articles],
        dtype=np.uint32,
    )
    norms = length_norms(lengths).astype(np.int64)
    terms = sorted(set().union(*(counts for counts, _ in counted)))
    docs, codes, in_title, title_docs, offsets, title_offsets = [], [], [], [], [0], [0]
    for term in terms:
        for doc, (counts, title) in enumerate(counted):
            if term in counts:
                docs.append(doc)
                codes.append(min(counts[term], MAX_CODE_TF) << 8 | norms[doc])
                in_title.append(term in title)
                if term in title:
                    title_docs.append(doc)
        offsets.append(len(docs))
        title_offsets.append(len(title_docs))
    return Postings(
        terms,
        np.array(offsets, dtype=np.int64),
        np.array(docs, dtype=np.int32),
        np.array(codes, dtype=np.uint16),
        np.array(in_title, dtype=np.uint8),
        np.array(title_offsets, dtype=np.int64),
        np.array(title_docs, dtype=np.int32),
        lengths,
    )


# Pieces that fold, split or join differently: case, accents, Arabic marks and letter
# forms, Arabic-Indic digits, ligatures, underscores (they split), and punctuation.
LATIN = ["Gaza", "gaza", "GAZA", "café", "Cafe", "naïve", "ﬁne", "Straße", "İstanbul", "o'neil"]
ARABIC = ["غزة", "غزه", "قِطّة", "قطه", "ـ", "٢٠١٠"]  # taa marbuta, tashkeel, tatweel, digits
PIECES = [*LATIN, *ARABIC, "2010", "snake_case", "a_b", "x", "U.S."]
SEPARATORS = [" ", "  ", ", ", "-", "\n", "\t", ".", "\u2014", "\u00a0", "_", ""]
texts = st.one_of(
    st.lists(st.sampled_from(PIECES + SEPARATORS), max_size=25).map("".join),
    st.text(max_size=40),
)
articles_st = st.lists(
    st.tuples(texts, texts, st.integers(1, 2100), st.booleans()), min_size=1, max_size=9
)


def make_articles(drawn, bodies: BodyFile) -> list[Article]:
    made = []
    for n, (title, body, year, stored) in enumerate(drawn):
        published = datetime(year, 3, 26, 12, 0, tzinfo=UTC)
        article = Article(f"a{n}", published, "Wire", title, body)
        made.append(article.stored_in(bodies) if stored else article)  # read back from a file
    return made


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=articles_st, count_docs=st.sampled_from([1, 2, 3, 2048]), parallel=st.booleans())
@example(  # counts past MAX_TF and MAX_CODE_TF, in the title and the body
    drawn=[("Spam ham", "spam " * 70_000 + "ham", 2010, True), ("", "ham", 2010, False)],
    count_docs=2048,
    parallel=False,
)
@example(  # headlines alone: no body words, or no title and no body
    drawn=[("Rain, rain", "", 2020, False), ("", "...", 1999, True), ("", "rain", 2020, False)],
    count_docs=2,
    parallel=False,
)
def test_postings_are_a_counter_over_tokenize(drawn, count_docs, parallel):
    bodies = BodyFile.spool()
    try:
        articles = make_articles(drawn, bodies)
        with (
            patch.object(postings_module, "COUNT_DOCS", count_docs),
            patch.object(postings_module, "PARALLEL_FROM", 2),
        ):
            built = build_postings(articles, parallel=parallel)
        expected = reference_postings(articles)
    finally:
        bodies.close()
    assert built.terms == expected.terms
    for name in ("offsets", "docs", "codes", "in_title", "title_offsets", "title_docs", "lengths"):
        got, want = getattr(built, name), getattr(expected, name)
        assert got.dtype == want.dtype, name
        assert np.array_equal(got, want), name
