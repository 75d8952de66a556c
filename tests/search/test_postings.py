"""The two-process build produces exactly the index a single process builds."""

from __future__ import annotations

import numpy as np

import bot.search.postings as postings_module
from bot.search.postings import MAX_CODE_TF, build_postings, part_table


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
    monkeypatch.setattr(postings_module, "BATCH_POSTINGS", 7)
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
