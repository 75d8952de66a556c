"""Inverted index construction: per-term lists of (document, weight, in-title).

Weights are BM25F term parts computed once at build time and stored as one
byte each, so a query only gathers and adds; title occurrences count
``TITLE_WEIGHT`` times a body occurrence, and a separate flag records whether
the term is in the title at all (titles are what known-item searches quote).
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.archive.model import Article
from bot.archive.text import tokenize

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3
LEVELS = 255
# Dequantisation table: stored byte -> BM25 term part in (0, K1 + 1].
PART_TABLE = (np.arange(LEVELS + 1, dtype=np.float32) / LEVELS) * (K1 + 1)


class _Ids(dict[str, int]):
    """A term -> id map that hands out the next id on first sight (used via ``map``)."""

    def __missing__(self, term: str) -> int:
        term_id = self[term] = len(self)
        return term_id


@dataclass(frozen=True)
class Postings:
    terms: list[str]  # sorted, so a prefix is a contiguous id range
    offsets: np.ndarray  # int64, len(terms) + 1
    docs: np.ndarray  # int32
    parts: np.ndarray  # uint8 quantised BM25F part
    in_title: np.ndarray  # uint8 0/1
    idf: np.ndarray  # float32 per term

    def span(self, term_id: int) -> slice:
        return slice(int(self.offsets[term_id]), int(self.offsets[term_id + 1]))

    @property
    def df(self) -> np.ndarray:
        return np.diff(self.offsets)


def build_postings(articles: Sequence[Article]) -> Postings:
    ids = _Ids()
    term_col = array("i")
    tf_col = array("H")
    title_col = array("B")
    doc_lengths = np.zeros(len(articles), dtype=np.float32)
    doc_sizes = np.zeros(len(articles), dtype=np.int64)
    for doc, article in enumerate(articles):
        title_words = tokenize(article.title)
        body_words = tokenize(article.body)
        counts = Counter(body_words)
        for word in title_words:
            counts[word] += TITLE_WEIGHT
        title_set = set(title_words)
        term_col.extend(map(ids.__getitem__, counts))
        tf_col.extend(min(tf, 65535) for tf in counts.values())
        title_col.extend(word in title_set for word in counts)
        doc_lengths[doc] = len(body_words) + TITLE_WEIGHT * len(title_words)
        doc_sizes[doc] = len(counts)
    return _finish(ids, term_col, tf_col, title_col, doc_lengths, doc_sizes)


def _finish(
    ids: _Ids,
    term_col: array,
    tf_col: array,
    title_col: array,
    doc_lengths: np.ndarray,
    doc_sizes: np.ndarray,
) -> Postings:
    n_docs = len(doc_lengths)
    provisional = np.frombuffer(term_col, dtype=np.int32)
    # Renumber terms in sorted order so prefixes become id ranges.
    terms = sorted(ids)
    rank = np.empty(len(terms), dtype=np.int32)
    rank[[ids[t] for t in terms]] = np.arange(len(terms), dtype=np.int32)
    term_ids = rank[provisional]
    doc_ids = np.repeat(np.arange(n_docs, dtype=np.int32), doc_sizes)

    tf = np.frombuffer(tf_col, dtype=np.uint16).astype(np.float32)
    avg_length = float(doc_lengths.mean()) if n_docs else 1.0
    norm = K1 * (1 - B + B * doc_lengths[doc_ids] / max(avg_length, 1.0))
    part = tf * (K1 + 1) / (tf + norm)
    quantised = np.clip(np.rint(part / (K1 + 1) * LEVELS), 1, LEVELS).astype(np.uint8)
    del tf, norm, part

    order = np.argsort(term_ids, kind="stable")
    counts = np.bincount(term_ids, minlength=len(terms))
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    df = counts.astype(np.float32)
    idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
    return Postings(
        terms=terms,
        offsets=offsets,
        docs=doc_ids[order],
        parts=quantised[order],
        in_title=np.frombuffer(title_col, dtype=np.uint8)[order],
        idf=idf,
    )
