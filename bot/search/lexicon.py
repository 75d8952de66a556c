"""The vocabulary of an index made of segments, with the archive's global statistics.

Each segment has its own sorted vocabulary, postings, typo keys and sound
keys. Queries are read against the union vocabulary (a word's typo and
sound-alike neighbours, its prefix completions, its document frequency and
its headline count are decided on every segment's terms together, with
counts summed), so which terms a word expands to and how rare each one is do
not depend on how the archive happens to be split. A global term id is a
position in the union's sorted terms; each segment keeps a map from global ids
to its own. Postings are gathered segment by segment, their document numbers
shifted by the segment's base, and their BM25 parts looked up in one table
made from the global average length: an index in segments scores every
document exactly as one build of the same articles does.

As in Lucene, the statistics count the documents of every segment, deleted
ones included, until a merge drops them: a deletion then changes no other
document's score, and no segment's files need rewriting to delete.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from bot.search.fuzzy import FuzzyIndex, verified
from bot.search.postings import Postings, part_table
from bot.search.sounds import SoundIndex


@dataclass(frozen=True)
class Placed:
    """One segment's vocabulary placed in the union: its document base and term maps."""

    postings: Postings
    fuzzy: FuzzyIndex
    sounds: SoundIndex
    base: int  # global position of the segment's first document
    # Global term id -> the segment's, -1 where it lacks the term; None when the
    # segment's vocabulary is the union itself (a single segment), and so is to_global.
    to_local: np.ndarray | None
    to_global: np.ndarray | None  # the segment's term id -> global


class Gathered(NamedTuple):
    """Postings of several terms laid end to end, documents as global positions."""

    docs: np.ndarray
    which: np.ndarray | None  # per posting, its term's index in the asked ids; None: one term
    parts: np.ndarray | None  # float32 BM25 part per posting (None for title lists)
    in_title: np.ndarray | None  # uint8 per posting (None for title lists)


class Lexicon:
    """Union vocabulary, document frequencies and postings access over segments."""

    def __init__(self, segments: Sequence[tuple[Postings, FuzzyIndex, SoundIndex]]) -> None:
        vocabularies = [postings.terms for postings, _, _ in segments]
        if len(segments) == 1:
            self.terms: list[str] = vocabularies[0]
        else:
            self.terms = sorted(set().union(*vocabularies))
        position = {term: n for n, term in enumerate(self.terms)} if len(segments) > 1 else {}
        placed: list[Placed] = []
        df = np.zeros(len(self.terms), dtype=np.int64)
        title_df = np.zeros(len(self.terms), dtype=np.int64)
        base = total_length = postings_count = title_count = 0
        for postings, fuzzy, sounds in segments:
            to_local = to_global = None
            if len(segments) > 1:
                terms = postings.terms
                to_global = np.fromiter(map(position.__getitem__, terms), np.int64, len(terms))
                to_local = np.full(len(self.terms), -1, dtype=np.int64)
                to_local[to_global] = np.arange(len(terms))
                df[to_global] += postings.df()
                title_df[to_global] += postings.title_df()
            else:
                df += postings.df()
                title_df += postings.title_df()
            placed.append(Placed(postings, fuzzy, sounds, base, to_local, to_global))
            base += len(postings.lengths)
            total_length += int(postings.lengths.sum(dtype=np.int64))
            postings_count += len(postings.docs)
            title_count += len(postings.title_docs)
        self.segments = placed
        self.n_docs = base  # every position, deleted documents included
        self.df, self.title_df = df, title_df
        self.postings_count, self.title_postings_count = postings_count, title_count
        df_float = df.astype(np.float32)
        self.idf = np.log1p((base - df_float + 0.5) / (df_float + 0.5)).astype(np.float32)
        self.part_table = part_table(total_length / base if base else 1.0)
        self.fuzzy = UnionFuzzy(self)
        self.sounds = UnionSounds(self)

    def term_id(self, word: str) -> int | None:
        """The global id of ``word`` as a term, None when no segment has it."""
        position = bisect_left(self.terms, word)
        found = position < len(self.terms) and self.terms[position] == word
        return position if found else None

    def gather(self, term_ids: np.ndarray, *, title_only: bool = False) -> Gathered:
        """Every posting of the global ``term_ids``, segment by segment.

        One term of a one-segment index comes back as views of its lists, no copy.
        """
        docs, which, codes, in_title = [], [], [], []
        for segment in self.segments:
            local, indices = _local(segment, term_ids)
            if not len(local):
                continue
            postings = segment.postings
            offsets = postings.title_offsets if title_only else postings.offsets
            if len(local) == 1:
                positions: slice | np.ndarray = slice(
                    int(offsets[local[0]]), int(offsets[local[0] + 1])
                )
                lengths = None
            else:
                positions, lengths = spans(offsets, local)
            found = (postings.title_docs if title_only else postings.docs)[positions]
            docs.append(found + np.int32(segment.base) if segment.base else found)
            if len(term_ids) > 1:
                if lengths is None:
                    which.append(np.full(len(found), indices[0], dtype=np.int64))
                else:
                    which.append(np.repeat(indices, lengths))
            if not title_only:
                codes.append(postings.codes[positions])
                in_title.append(postings.in_title[positions])
        joined = _joined(docs, np.int32)
        picked = _joined(which, np.int64) if len(term_ids) > 1 else None
        if title_only:
            return Gathered(joined, picked, None, None)
        parts = self.part_table[_joined(codes, np.uint16)]
        return Gathered(joined, picked, parts, _joined(in_title, np.uint8))

    def docs_with_all(self, words: set[str]) -> np.ndarray | None:
        """Global positions of the documents holding every word; None when none does.

        Within each segment, starting from the rarest word's list, each further
        (sorted) list is probed by binary search, so common words cost a lookup
        per survivor.
        """
        term_ids = []
        for word in words:
            term_id = self.term_id(word)
            if term_id is None:
                return None
            term_ids.append(term_id)
        found = []
        for segment in self.segments:
            local, _ = _local(segment, np.asarray(term_ids, dtype=np.int64))
            if len(local) < len(term_ids):
                continue  # a word this segment lacks: none of its documents has them all
            docs = _all_of(segment.postings, local.tolist())
            if len(docs):
                found.append(docs + np.int32(segment.base) if segment.base else docs)
        return np.concatenate(found) if found else None

    def docs_of(self, term_id: int, *, title_only: bool = False) -> np.ndarray:
        """Global positions of the documents (or headlines) holding one term, ascending."""
        return self.gather(np.asarray([term_id], dtype=np.int64), title_only=title_only).docs


def _local(segment: Placed, term_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The segment's ids for those of ``term_ids`` it has, and their indices in ``term_ids``."""
    if segment.to_local is None:
        return term_ids, np.arange(len(term_ids))
    local = segment.to_local[term_ids]
    indices = np.flatnonzero(local >= 0)
    return local[indices], indices


def _joined(pieces: list[np.ndarray], dtype: type) -> np.ndarray:
    if len(pieces) == 1:
        return pieces[0]
    return np.concatenate(pieces) if pieces else np.zeros(0, dtype=dtype)


def _all_of(postings: Postings, term_ids: list[int]) -> np.ndarray:
    spans_ = sorted((postings.span(t) for t in term_ids), key=lambda s: s.stop - s.start)
    docs = postings.docs[spans_[0]]
    for span in spans_[1:]:
        these = postings.docs[span]
        at = np.minimum(np.searchsorted(these, docs), len(these) - 1)
        docs = docs[these[at] == docs]
        if not len(docs):
            break
    return docs


def spans(offsets: np.ndarray, term_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of the terms' lists laid end to end, and each list's length."""
    starts, stops = offsets[term_ids], offsets[term_ids + 1]
    lengths = stops - starts
    return np.repeat(stops - np.cumsum(lengths), lengths) + np.arange(lengths.sum()), lengths


class UnionFuzzy:
    """Typo neighbours among the union vocabulary: each segment's candidates, mapped."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._segments = lexicon.segments

    def candidates(self, word: str, max_edits: int) -> np.ndarray:
        found = []
        for segment in self._segments:
            local = segment.fuzzy.candidates(word, max_edits)
            if segment.to_global is None:
                return local
            found.append(segment.to_global[local])
        return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)

    def matches(
        self, word: str, terms: Sequence[str], *, unknown: bool = False
    ) -> list[tuple[int, int]]:
        """Verified ``(term_id, edits)``, as :meth:`FuzzyIndex.matches` answers for one segment."""
        return verified(word, terms, self.candidates, unknown=unknown)


class UnionSounds:
    """Sound-alike words among the union vocabulary, ascending global ids per key."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._segments = lexicon.segments

    def alike(self, word: str) -> np.ndarray:
        return self._union(lambda sounds: sounds.alike(word))

    def near(self, word: str) -> np.ndarray:
        """Words whose sound key is one edit from ``word``'s (:meth:`SoundIndex.near`)."""
        return self._union(lambda sounds: sounds.near(word))

    def _union(self, ask: Callable[[SoundIndex], np.ndarray]) -> np.ndarray:
        found = []
        for segment in self._segments:
            local = ask(segment.sounds)
            if segment.to_global is None:
                return local
            found.append(segment.to_global[local])
        return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)
