"""Inverted index construction: per-term lists of (document, code, in-title).

A posting's code packs what BM25F needs of it and nothing of the archive
around it: the term's count in the document (title occurrences count
``TITLE_WEIGHT`` times a body occurrence, capped at 255, long past where BM25
saturates) in the high byte, and the document's length as a one-byte
logarithmic norm (as Lucene stores norms) in the low byte. The BM25 part
depends on the average length of the whole archive, so it is looked up at
query time in a 65,536-entry table made from the global statistics
(:func:`part_table`): a segment written today ranks exactly as it would inside
one build of the whole archive, and a query still costs one gather per
posting. A separate flag records whether the term is in the title at all
(titles are what known-item searches quote).

Building is the slow part of a cold start, so it is shaped for speed and
memory: words are counted a couple of thousand articles at a time outside
Python (pyarrow numbers the words, a numpy sort of document-and-word keys
counts them), on two cores for a large archive, and the CSR arrays are filled
document by document, so no sort of the postings is needed. Counting 98,432
Reuters articles takes 4.9 s of CPU this way, where ``tokenize`` and a
``Counter`` per article took 11.1 s (docs/index.md).
"""

from __future__ import annotations

import logging
import multiprocessing
from bisect import bisect_left
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pyarrow as pa

from bot.archive.model import Article
from bot.archive.text import spaced_words

log = logging.getLogger(__name__)

K1 = 1.2
B = 0.75
TITLE_WEIGHT = 3
MAX_CODE_TF = 255
# Length norms: byte b stands for a length of expm1(b / NORM_SCALE) words, so
# 255 reaches a million words and each step is 5.6% longer than the last (a
# length is off by at most 2.8%, a BM25 part by about 1%).
NORM_SCALE = 255 / np.log1p(2**20)
PARALLEL_FROM = 20_000  # below this, a second process costs more than it saves
CHUNK_DOCS = 2_048


@dataclass(frozen=True)
class Postings:
    terms: list[str]  # sorted, so a prefix is a contiguous id range
    offsets: np.ndarray  # int64, len(terms) + 1
    docs: np.ndarray  # int32, ascending within each term
    codes: np.ndarray  # uint16: term count << 8 | the document's length norm
    in_title: np.ndarray  # uint8 0/1
    # The title occurrences alone, for autocomplete: a title holds a dozen terms
    # where a body holds hundreds, so as-you-type lookups gather 20x less.
    title_offsets: np.ndarray  # int64, len(terms) + 1
    title_docs: np.ndarray  # int32, ascending within each term
    lengths: np.ndarray  # uint32 per document: its weighted length (sums to the avgdl)

    def span(self, term_id: int) -> slice:
        return slice(int(self.offsets[term_id]), int(self.offsets[term_id + 1]))

    def term_id(self, word: str) -> int | None:
        """The id of ``word`` as a term, None when no article has it."""
        position = bisect_left(self.terms, word)
        found = position < len(self.terms) and self.terms[position] == word
        return position if found else None

    def df(self) -> np.ndarray:
        """Per term, the documents holding it (int64)."""
        return np.diff(self.offsets)

    def title_df(self) -> np.ndarray:
        """Per term, the headlines holding it (int64)."""
        return np.diff(self.title_offsets)


def length_norms(lengths: np.ndarray) -> np.ndarray:
    """Each length as its one-byte norm (uint8): see ``NORM_SCALE``."""
    scaled = np.rint(np.log1p(lengths.astype(np.float64)) * NORM_SCALE)
    return np.clip(scaled, 0, 255).astype(np.uint8)


def part_table(avg_length: float) -> np.ndarray:
    """Posting code -> its BM25 part in (0, K1 + 1], for an archive of ``avg_length``.

    Computed in float64 from the code alone, so every index with the same
    global average gets the same float32 table, whatever its segments.
    """
    code = np.arange(1 << 16, dtype=np.int64)
    tf = (code >> 8).astype(np.float64)
    length = np.expm1((code & 0xFF) / NORM_SCALE)
    norm = K1 * (1 - B + B * length / max(avg_length, 1.0))
    return (tf * (K1 + 1) / (tf + norm)).astype(np.float32)


@dataclass
class _Counts:
    """Per-document term counts for a few thousand articles, with their own term ids."""

    vocabulary: pa.LargeStringArray  # the terms, in id order
    term_col: np.ndarray  # int32 term id per posting, documents in order
    tf: np.ndarray  # uint8 (title occurrences weighted; capped, BM25 saturates long before)
    title: np.ndarray  # uint8 per posting: 1 when the term is a word of the title
    sizes: np.ndarray  # uint32 per doc: postings
    lengths: np.ndarray  # uint32 per doc: weighted length


# Articles counted in one piece: enough that each call into pyarrow and numpy
# does real work, few enough that the temporaries (tens of bytes a word) are
# reused by the allocator instead of faulted in afresh (4,096 cost 30% more).
COUNT_DOCS = 2_048
_SPACE = ord(" ")


def _count(articles: Sequence[Article]) -> list[_Counts]:
    """The articles' counts, a few thousand at a time.

    The pieces are never concatenated: that would hold every count twice.
    """
    return [
        _count_chunk(articles[start : start + COUNT_DOCS])
        for start in range(0, len(articles), COUNT_DOCS)
    ]


def _count_chunk(articles: Sequence[Article]) -> _Counts:
    """Count the words of a few thousand articles: in C, but for a pass over each text.

    Each article gives two runs of words: its title's words and its year,
    written ``TITLE_WEIGHT`` times over, then its body's words. Keys of
    ``document | word id | in body`` sorted put each document's occurrences of
    a word side by side, so a posting is a run of keys equal but for the last
    bit: its count is the run's length, and it is a title term when the run
    starts with a title occurrence.
    """
    runs: list[bytes] = []
    for article in articles:
        # The year an article appeared counts as a word of its headline: people
        # add it to a query ("greece bailout 2010") to mean when, not what.
        title = b"%b %d " % (spaced_words(article.title), article.calendar_date.year)
        runs += (title * TITLE_WEIGHT, spaced_words(article.encoded_body()))
    encoded, per_run = _word_ids(runs)
    term_bits = max(len(encoded.dictionary) - 1, 1).bit_length()
    doc_bits = max(len(articles) - 1, 1).bit_length()
    key_type = np.uint32 if doc_bits + term_bits + 1 <= 32 else np.uint64
    run = np.arange(len(runs), dtype=key_type)
    keys = np.repeat(((run >> 1) << (term_bits + 1)) | (run & 1), per_run)
    keys |= encoded.indices.to_numpy().astype(key_type) << 1
    keys.sort(kind="stable")  # a stable sort merges the documents' runs of keys
    pairs = keys >> 1
    new_pair = np.empty(len(keys), dtype=bool)
    new_pair[0] = True
    np.not_equal(pairs[1:], pairs[:-1], out=new_pair[1:])
    first = np.flatnonzero(new_pair)
    first_keys = keys[first]
    docs = (first_keys >> (term_bits + 1)).astype(np.intp)
    return _Counts(
        encoded.dictionary,
        (pairs[first] & ((1 << term_bits) - 1)).astype(np.int32),
        np.minimum(np.diff(first, append=len(keys)), MAX_CODE_TF).astype(np.uint8),
        ((first_keys & 1) == 0).astype(np.uint8),
        np.bincount(docs, minlength=len(articles)).astype(np.uint32),
        per_run.reshape(-1, 2).sum(axis=1).astype(np.uint32),
    )


def _word_ids(runs: list[bytes]) -> tuple[pa.DictionaryArray, np.ndarray]:
    """The words of ``runs`` (see :func:`spaced_words`) as ids, and how many each run holds.

    The runs are joined by spaces and split where spaces turn to a word and
    back; the words without the spaces between them are the data of one
    string array, whose distinct words pyarrow numbers (a hash table in C).
    """
    joined = b" ".join([b"", *runs, b""])
    spaces = np.frombuffer(joined, np.uint8) == _SPACE
    edges = np.flatnonzero(spaces[1:] != spaces[:-1])  # the byte before a word, its last
    del spaces
    before = edges[0::2]
    offsets = np.zeros(len(before) + 1, np.int64)
    np.cumsum(edges[1::2] - before, out=offsets[1:])
    words = pa.LargeStringArray.from_buffers(
        len(before), pa.py_buffer(offsets), pa.py_buffer(joined.translate(None, b" "))
    )
    # A run's words start after the space that opens it.
    opens = np.cumsum([0] + [len(run) + 1 for run in runs])
    return words.dictionary_encode(), np.diff(np.searchsorted(before, opens))


_shared: Sequence[Article] = ()  # handed to the forked worker; never read otherwise


def _count_shared(start: int, stop: int) -> list[_Counts]:
    return _count(_shared[start:stop])


def _count_in_parallel(articles: Sequence[Article]) -> list[_Counts]:
    """Count the second half in a forked process while this one counts the first.

    The halves hold equal amounts of text, not equal numbers of articles:
    archives grow wordier over the years, and the process that ends first
    would otherwise wait.
    """
    global _shared  # fork hands the articles over without pickling them
    text = np.cumsum(np.fromiter((len(a.body) for a in articles), np.int64, len(articles)))
    middle = int(np.searchsorted(text, text[-1] / 2))
    _shared = articles
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
            second = pool.submit(_count_shared, middle, len(articles))
            first = _count(articles[:middle])
            return first + second.result()
    finally:
        _shared = ()


def build_postings(articles: Sequence[Article], *, parallel: bool = True) -> Postings:
    """The postings of ``articles``; counted on two cores when ``parallel`` and worth it.

    A caller that already runs several builds at once (the cold build's batches)
    passes ``parallel=False``: each build then stays in its own process.
    """
    if parallel and len(articles) >= PARALLEL_FROM:
        try:
            parts = _count_in_parallel(articles)
        except (OSError, ValueError, RuntimeError) as exc:  # no fork here: count in one process
            log.info("Counting in one process (%s)", exc)
            parts = _count(articles)
    else:
        parts = _count(articles)
    return _assemble(parts)


def _assemble(parts: list[_Counts]) -> Postings:
    """Lay the counted parts out as one CSR index, term by term, documents ascending.

    ``parts`` is emptied as it goes: each part's counts are dropped as soon as
    they are placed, so the counts and the finished index never both exist
    whole. Terms are ranked in sorted order, so a prefix is an id range.
    """
    terms, ranks = _rank_terms([part.vocabulary for part in parts])
    df = np.zeros(len(terms), dtype=np.int64)
    for part, rank in zip(parts, ranks, strict=True):
        df[rank] += np.bincount(part.term_col, minlength=len(rank))
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(df, out=offsets[1:])
    total = int(offsets[-1])
    docs = np.empty(total, dtype=np.int32)
    codes = np.empty(total, dtype=np.uint16)
    in_title = np.empty(total, dtype=np.uint8)
    next_free = offsets[:-1].copy()
    lengths = np.concatenate([part.lengths for part in parts]) if parts else np.zeros(0, np.uint32)

    first_doc = 0
    for rank in ranks:
        part = parts.pop(0)
        _place(part, rank, first_doc, next_free, docs, codes, in_title)
        first_doc += len(part.sizes)
        del part

    title_offsets, title_docs = _title_lists(offsets, docs, in_title)
    return Postings(terms, offsets, docs, codes, in_title, title_offsets, title_docs, lengths)


def _rank_terms(vocabularies: list[pa.LargeStringArray]) -> tuple[list[str], list[np.ndarray]]:
    """Every part's terms in sorted order, and per part its term ids' ranks in them.

    pyarrow finds the distinct terms (one hash pass over the parts'
    vocabularies, a tenth of their words or less); Python sorts them, so the
    order is exactly ``sorted``'s.
    """
    whole = pa.concat_arrays(vocabularies or [pa.array([], pa.large_string())])
    distinct = whole.dictionary_encode()
    words = distinct.dictionary.to_pylist()
    order = sorted(range(len(words)), key=words.__getitem__)
    rank = np.empty(len(words), dtype=np.int32)
    rank[order] = np.arange(len(words), dtype=np.int32)
    ranked = rank[distinct.indices.to_numpy()]
    bounds = np.cumsum([0] + [len(vocabulary) for vocabulary in vocabularies]).tolist()
    return [words[n] for n in order], [ranked[lo:hi] for lo, hi in pairwise(bounds)]


def _title_lists(
    offsets: np.ndarray, docs: np.ndarray, in_title: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The postings restricted to title occurrences, as their own CSR lists.

    A term's title list starts where its postings start, counted in title
    postings: the number of title postings before that offset.
    """
    title_positions = np.flatnonzero(in_title)
    title_offsets = np.searchsorted(title_positions, offsets).astype(np.int64)
    return title_offsets, docs[title_positions]


def _place(
    part: _Counts,
    rank: np.ndarray,
    first_doc: int,
    next_free: np.ndarray,
    docs: np.ndarray,
    codes: np.ndarray,
    in_title: np.ndarray,
) -> None:
    """Write one part's postings into their terms' slots, documents in order.

    Each document holds a term once, so its postings go to the next free slot
    of each of its terms with one gather and one increment; that keeps every
    term's list ascending without sorting the postings by term (a sort was
    most of the build's assembly time). Codes are computed a chunk of
    documents at a time to keep temporaries small.
    """
    norms = length_norms(part.lengths).astype(np.uint16)
    doc_starts = np.zeros(len(part.sizes) + 1, dtype=np.int64)
    np.cumsum(part.sizes, out=doc_starts[1:])
    for chunk_start in range(0, len(part.sizes), CHUNK_DOCS):
        chunk_stop = min(chunk_start + CHUNK_DOCS, len(part.sizes))
        lo, hi = int(doc_starts[chunk_start]), int(doc_starts[chunk_stop])
        if lo == hi:
            continue
        sizes = part.sizes[chunk_start:chunk_stop].astype(np.int64)
        local = np.repeat(np.arange(chunk_start, chunk_stop, dtype=np.int32), sizes)
        title = part.title[lo:hi]
        chunk_codes = (part.tf[lo:hi].astype(np.uint16) << 8) | norms[local]

        term = rank[part.term_col[lo:hi]]
        destination = np.empty(hi - lo, dtype=np.int64)
        bounds = (doc_starts[chunk_start : chunk_stop + 1] - lo).tolist()
        for start, stop in pairwise(bounds):
            its_terms = term[start:stop]
            destination[start:stop] = next_free[its_terms]
            next_free[its_terms] += 1
        docs[destination] = local + first_doc
        codes[destination] = chunk_codes
        in_title[destination] = title
