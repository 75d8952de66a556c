"""Typo-tolerant word lookup: symmetric-deletes candidates verified by rapidfuzz.

Comparing a query word with every vocabulary term costs 4-12 ms per word at
90k terms, too slow for as-you-type search. Instead every term is indexed
under the hashes of its one- and two-character deletions; a query word's own
deletions then meet them whenever the two are within the allowed distance
(a substitution or transposition is one deletion on each side). Candidates
are checked with rapidfuzz's OSA distance, so hash collisions cost a
comparison, never a wrong match.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz.distance import OSA

from bot.search.hashing import MAX_LENGTH, codes, deletion_hashes, word_variant_hashes

MIN_FUZZY_LENGTH = 5  # a word the archive knows matches typos from five letters
SHORT_TYPO_LENGTH = 3  # a word it lacks is a typo from three letters ("bnak", "teh")
TWO_EDIT_LENGTH = 9
TWO_EDIT_QUERY = 7  # a 7-letter word may miss two letters of a 9-letter one ("fnncing")


def allowed_edits(word: str, term: str | None = None, *, unknown: bool = False) -> int:
    """Edits tolerated between a query word and a term: 1 from 5 letters, 2 from 9.

    The longer of the two decides, so a word typed with letters missing
    ("bnus", "ivestrs") still reaches the word it meant ("bonus", "investors");
    without a term, the most any term could be allowed. A short word the
    archive knows only matches exactly ("bank" is not a typo of "band"), but
    one it has never seen (``unknown``) cannot have been meant as typed, so
    from three letters it reaches terms of three letters or more one edit
    away: "bnak" finds "bank", "iarn" finds "iran".
    """
    short_typo = unknown and len(word) >= SHORT_TYPO_LENGTH
    if term is None:
        if len(word) >= TWO_EDIT_QUERY:
            return 2
        return 1 if len(word) >= MIN_FUZZY_LENGTH - 1 or short_typo else 0
    longest = max(len(word), len(term))
    if longest >= MIN_FUZZY_LENGTH and len(word) >= MIN_FUZZY_LENGTH - 1:
        return 2 if longest >= TWO_EDIT_LENGTH and len(word) >= TWO_EDIT_QUERY else 1
    return 1 if short_typo and len(term) >= SHORT_TYPO_LENGTH else 0


def _fuzzable(term: str) -> bool:
    return SHORT_TYPO_LENGTH <= len(term) <= MAX_LENGTH and not any(c.isdigit() for c in term)


def _levels_for(length: int) -> range:
    """Deletion levels a term of this length can need on its side of a match.

    Every query allows at most one edit against a term of up to 8 letters,
    so such a term needs at most one of its own characters deleted; two
    deletions on the term side only arise against 9+ letter queries and terms.
    """
    return range(3) if length >= TWO_EDIT_LENGTH else range(2)


@dataclass(frozen=True)
class FuzzyIndex:
    keys: np.ndarray  # uint64 deletion hashes, sorted
    term_ids: np.ndarray  # int32, parallel to keys

    @classmethod
    def build(cls, terms: Sequence[str]) -> FuzzyIndex:
        by_length: dict[int, list[int]] = {}
        for term_id, term in enumerate(terms):
            if _fuzzable(term):
                by_length.setdefault(len(term), []).append(term_id)
        key_parts: list[np.ndarray] = []
        id_parts: list[np.ndarray] = []
        for length, ids in by_length.items():
            matrix = codes([terms[i] for i in ids], length)
            id_array = np.asarray(ids, dtype=np.int32)
            for level in _levels_for(length):
                hashes = deletion_hashes(matrix, level)
                key_parts.append(hashes.ravel())
                id_parts.append(np.repeat(id_array, hashes.shape[1]))
        if not key_parts:
            return cls(np.zeros(0, np.uint64), np.zeros(0, np.int32))
        keys = np.concatenate(key_parts)
        term_ids = np.concatenate(id_parts)
        order = np.argsort(keys, kind="stable")
        return cls(keys[order], term_ids[order])

    def candidates(self, word: str, max_edits: int) -> np.ndarray:
        """Term ids that share a deletion variant with ``word`` (unverified)."""
        if max_edits == 0 or len(word) > MAX_LENGTH or not len(self.keys):
            return np.zeros(0, np.int32)
        hashes = word_variant_hashes(word, max_edits)
        lo = np.searchsorted(self.keys, hashes, side="left")
        hi = np.searchsorted(self.keys, hashes, side="right")
        hit = hi > lo
        if not hit.any():
            return np.zeros(0, np.int32)
        spans = [self.term_ids[a:b] for a, b in zip(lo[hit], hi[hit], strict=True)]
        return np.unique(np.concatenate(spans))

    def matches(
        self, word: str, terms: Sequence[str], *, unknown: bool = False
    ) -> list[tuple[int, int]]:
        """Verified ``(term_id, edits)`` within the allowed distance, ``word`` itself excluded.

        ``unknown`` says ``word`` is not in the vocabulary (see :func:`allowed_edits`).
        """
        return verified(word, terms, self.candidates, unknown=unknown)


def verified(
    word: str,
    terms: Sequence[str],
    candidates: Callable[[str, int], np.ndarray],
    *,
    unknown: bool = False,
) -> list[tuple[int, int]]:
    """The ``candidates`` of ``word`` really within the allowed distance, as ``(term_id, edits)``.

    Shared by one segment's index and the union of several (bot.search.lexicon).
    """
    found = []
    for term_id in candidates(word, allowed_edits(word, unknown=unknown)).tolist():
        term = terms[int(term_id)]
        if term == word:
            continue
        limit = allowed_edits(word, term, unknown=unknown)
        edits = OSA.distance(word, term, score_cutoff=limit)
        if edits <= limit:
            found.append((term_id, edits))
    return found
