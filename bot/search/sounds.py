"""Names spelt by ear: vocabulary words grouped by how they sound.

People misspell names by sound more than by keyboard slips ("sarkosy",
"giethner", "paulsen" for Paulson), often further than the typo rule's one or
two edits. Every vocabulary word of letters gets a Metaphone key once, at
index time; a query word then finds the words sharing its key. Measured on
308 names respelt by ear in the 34k Reuters archive, Metaphone found 235
(NYSIIS 215, Match Rating 131, Soundex 254 but with a median of 36 words per
key against Metaphone's 4). Short words share keys with too many others, so
only words of ``MIN_SOUND_LENGTH`` letters take part.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import jellyfish
import numpy as np

MIN_SOUND_LENGTH = 5


def sound_key(word: str) -> str | None:
    """The word's Metaphone key; None for a word that is not plain letters or too short."""
    if len(word) < MIN_SOUND_LENGTH or not (word.isascii() and word.isalpha()):
        return None
    return jellyfish.metaphone(word) or None


@dataclass(frozen=True)
class SoundIndex:
    keys: np.ndarray  # str, sorted
    term_ids: np.ndarray  # int32, parallel to keys

    @classmethod
    def build(cls, terms: Sequence[str]) -> SoundIndex:
        pairs = [(key, n) for n, term in enumerate(terms) if (key := sound_key(term))]
        if not pairs:
            return cls(np.zeros(0, dtype="<U1"), np.zeros(0, np.int32))
        pairs.sort()
        keys = np.array([key for key, _ in pairs])
        return cls(keys, np.fromiter((n for _, n in pairs), np.int32, len(pairs)))

    def alike(self, word: str) -> np.ndarray:
        """Ids of the vocabulary words that sound like ``word`` (itself included)."""
        key = sound_key(word)
        if key is None or not len(self.keys):
            return np.zeros(0, np.int32)
        start = int(np.searchsorted(self.keys, key, side="left"))
        stop = int(np.searchsorted(self.keys, key, side="right"))
        return self.term_ids[start:stop]

    def near(self, word: str) -> np.ndarray:
        """Ids of the words whose key is one edit from ``word``'s (a letter heard or not)."""
        key = sound_key(word)
        if key is None or not len(self.keys):
            return np.zeros(0, np.int32)
        variants = np.array(sorted(_one_edit(key)))
        starts = np.searchsorted(self.keys, variants, side="left")
        stops = np.searchsorted(self.keys, variants, side="right")
        spans = [self.term_ids[a:b] for a, b in zip(starts, stops, strict=True) if b > a]
        return np.concatenate(spans) if spans else np.zeros(0, np.int32)


KEY_LETTERS = "0ABEFHIJKLMNOPRSTUWXY"  # every letter a Metaphone key is written in


def _one_edit(key: str) -> set[str]:
    """Every key one deletion, insertion, substitution or swap from ``key``."""
    splits = [(key[:n], key[n:]) for n in range(len(key) + 1)]
    return {
        *(a + b[1:] for a, b in splits if b),
        *(a + c + b for a, b in splits for c in KEY_LETTERS),
        *(a + c + b[1:] for a, b in splits if b for c in KEY_LETTERS),
        *(a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1),
    } - {key, ""}
