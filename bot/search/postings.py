"""Inverted index construction: per-term lists of (document, weight, in-title).

Weights are BM25F term parts computed once at build time and stored as one
byte each, so a query only gathers and adds; title occurrences count
``TITLE_WEIGHT`` times a body occurrence, and a separate flag records whether
the term is in the title at all (titles are what known-item searches quote).

Building is the slow part of a cold start, so it is shaped for speed and
memory: tokenising runs on two cores for a large archive, counting happens in
C (``Counter``), and the CSR arrays are filled chunk by chunk so the full-size
temporaries of one big sort never exist.
"""

from __future__ import annotations

import logging
import multiprocessing
from array import array
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from bot.archive.model import Article
from bot.archive.text import tokenize

log = logging.getLogger(__name__)

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3
LEVELS = 255
# Dequantisation table: stored byte -> BM25 term part in (0, K1 + 1].
PART_TABLE = (np.arange(LEVELS + 1, dtype=np.float32) / LEVELS) * (K1 + 1)
PARALLEL_FROM = 20_000  # below this, a second process costs more than it saves
CHUNK_DOCS = 8_192


@dataclass(frozen=True)
class Postings:
    terms: list[str]  # sorted, so a prefix is a contiguous id range
    offsets: np.ndarray  # int64, len(terms) + 1
    docs: np.ndarray  # int32, ascending within each term
    parts: np.ndarray  # uint8 quantised BM25F part
    in_title: np.ndarray  # uint8 0/1
    idf: np.ndarray  # float32 per term

    def span(self, term_id: int) -> slice:
        return slice(int(self.offsets[term_id]), int(self.offsets[term_id + 1]))

    @property
    def df(self) -> np.ndarray:
        return np.diff(self.offsets)


class _Ids(dict[str, int]):
    """A term -> id map that hands out the next id on first sight (used via ``map``)."""

    def __missing__(self, term: str) -> int:
        term_id = self[term] = len(self)
        return term_id


@dataclass
class _Counts:
    """Per-document term counts for a run of articles, with their own term ids."""

    terms: list[str]  # in id order
    term_col: np.ndarray  # int32 term id per posting, documents in order
    tf: np.ndarray  # uint32 (title occurrences weighted)
    title_terms: np.ndarray  # uint32 per doc: its first this-many postings are title terms
    sizes: np.ndarray  # uint32 per doc: postings
    lengths: np.ndarray  # float32 per doc: weighted length


def _count(articles: Sequence[Article]) -> _Counts:
    ids = _Ids()
    term_col, tf_col = array("i"), array("I")
    title_terms, sizes, lengths = array("I"), array("I"), array("f")
    for article in articles:
        title_words = tokenize(article.title)
        body_words = tokenize(article.body)
        counts = Counter(title_words * TITLE_WEIGHT)  # title terms come first in the dict
        title_terms.append(len(counts))
        counts.update(body_words)
        term_col.extend(map(ids.__getitem__, counts))
        tf_col.extend(counts.values())
        sizes.append(len(counts))
        lengths.append(len(body_words) + TITLE_WEIGHT * len(title_words))
    return _Counts(
        list(ids),
        np.frombuffer(term_col, dtype=np.int32),
        np.frombuffer(tf_col, dtype=np.uint32),
        np.frombuffer(title_terms, dtype=np.uint32),
        np.frombuffer(sizes, dtype=np.uint32),
        np.frombuffer(lengths, dtype=np.float32),
    )


_shared: Sequence[Article] = ()  # handed to the forked worker; never read otherwise


def _count_shared(start: int, stop: int) -> _Counts:
    return _count(_shared[start:stop])


def _count_in_parallel(articles: Sequence[Article]) -> _Counts:
    """Count the second half in a forked process while this one counts the first."""
    global _shared  # fork hands the articles over without pickling them
    middle = len(articles) // 2
    _shared = articles
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            second = pool.submit(_count_shared, middle, len(articles))
            first = _count(articles[:middle])
            later = second.result()
    finally:
        _shared = ()
    ids = _Ids({term: n for n, term in enumerate(first.terms)})
    remap = np.fromiter(map(ids.__getitem__, later.terms), np.int32, len(later.terms))
    return _Counts(
        list(ids),
        np.concatenate([first.term_col, remap[later.term_col]]),
        np.concatenate([first.tf, later.tf]),
        np.concatenate([first.title_terms, later.title_terms]),
        np.concatenate([first.sizes, later.sizes]),
        np.concatenate([first.lengths, later.lengths]),
    )


def build_postings(articles: Sequence[Article]) -> Postings:
    if len(articles) >= PARALLEL_FROM:
        try:
            counts = _count_in_parallel(articles)
        except (OSError, ValueError, RuntimeError) as exc:  # no fork here: count in one process
            log.info("Counting in one process (%s)", exc)
            counts = _count(articles)
    else:
        counts = _count(articles)
    return _assemble(counts)


def _assemble(counts: _Counts) -> Postings:
    n_docs = len(counts.sizes)
    terms = sorted(counts.terms)
    rank = np.empty(len(terms), dtype=np.int32)
    rank[np.argsort(np.array(counts.terms, dtype=object), kind="stable")] = np.arange(
        len(terms), dtype=np.int32
    )
    df = np.bincount(rank[counts.term_col], minlength=len(terms))
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(df, out=offsets[1:])
    total = int(offsets[-1])
    docs = np.empty(total, dtype=np.int32)
    parts = np.empty(total, dtype=np.uint8)
    in_title = np.empty(total, dtype=np.uint8)
    next_free = offsets[:-1].copy()
    doc_starts = np.zeros(n_docs + 1, dtype=np.int64)
    np.cumsum(counts.sizes, out=doc_starts[1:])
    avg_length = max(float(counts.lengths.mean()) if n_docs else 1.0, 1.0)

    for first_doc in range(0, n_docs, CHUNK_DOCS):
        last_doc = min(first_doc + CHUNK_DOCS, n_docs)
        lo, hi = int(doc_starts[first_doc]), int(doc_starts[last_doc])
        if lo == hi:
            continue
        sizes = counts.sizes[first_doc:last_doc].astype(np.int64)
        doc = np.repeat(np.arange(first_doc, last_doc, dtype=np.int32), sizes)
        position = np.arange(lo, hi) - doc_starts[doc]
        title = (position < counts.title_terms[doc]).astype(np.uint8)
        tf = counts.tf[lo:hi].astype(np.float32)
        norm = K1 * (1 - B + B * counts.lengths[doc] / avg_length)
        part = tf * (K1 + 1) / (tf + norm)
        quantised = np.clip(np.rint(part / (K1 + 1) * LEVELS), 1, LEVELS).astype(np.uint8)

        term = rank[counts.term_col[lo:hi]]
        order = np.argsort(term, kind="stable")
        term = term[order]
        group_starts = np.flatnonzero(np.r_[True, term[1:] != term[:-1]])
        group_sizes = np.diff(np.r_[group_starts, len(term)])
        within = np.arange(len(term)) - np.repeat(group_starts, group_sizes)
        destination = next_free[term] + within
        docs[destination] = doc[order]
        parts[destination] = quantised[order]
        in_title[destination] = title[order]
        next_free[term[group_starts]] += group_sizes

    df_float = df.astype(np.float32)
    idf = np.log1p((n_docs - df_float + 0.5) / (df_float + 0.5)).astype(np.float32)
    return Postings(terms, offsets, docs, parts, in_title, idf)
