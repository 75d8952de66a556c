"""Stable 64-bit hashes: of a word and its one- and two-character deletions, of a string.

The fuzzy index (symmetric deletes) needs a hash that is the same in every
process, because it is cached on disk; Python's ``hash()`` is salted per run.
A polynomial hash lets numpy compute every deletion of many words at once
from prefix sums, with no Python string built per deletion:
``H(s) = sum(code(s[k]) * P**k) mod 2**64``; deleting position j keeps the
prefix and shifts the suffix down one power (a multiply by P's inverse).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from hashlib import blake2b
from itertools import combinations

import numpy as np

_P = 0x100000001B3  # odd, so it has an inverse modulo 2**64
_P_INV = pow(_P, -1, 2**64)
MAX_LENGTH = 24  # longer tokens (URLs, run-ons) are not worth typo-matching

_POWERS = np.array([pow(_P, k, 2**64) for k in range(MAX_LENGTH + 1)], dtype=np.uint64)
_PINV = np.uint64(_P_INV)
_PINV2 = np.uint64(pow(_P_INV, 2, 2**64))


def codes(words: list[str], length: int) -> np.ndarray:
    """Code points of equal-length words as an (n, length) uint64 matrix."""
    joined = "".join(words)
    flat = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32)
    return flat.reshape(len(words), length).astype(np.uint64)


def _prefix_sums(matrix: np.ndarray) -> np.ndarray:
    weighted = matrix * _POWERS[: matrix.shape[1]]
    sums = np.zeros((matrix.shape[0], matrix.shape[1] + 1), dtype=np.uint64)
    np.cumsum(weighted, axis=1, out=sums[:, 1:])
    return sums


def deletion_hashes(matrix: np.ndarray, level: int) -> np.ndarray:
    """Hashes of each row with exactly ``level`` (0, 1 or 2) characters deleted.

    Returns an (n, variants) matrix; duplicate variants (deleting either ``t``
    of "letter") are harmless because candidates are verified afterwards.
    """
    return _deletions(_prefix_sums(matrix), matrix.shape[1], level)


def _deletions(pre: np.ndarray, length: int, level: int) -> np.ndarray:
    total = pre[:, length : length + 1]
    if level == 0:
        return total.copy()
    if level == 1:
        j = np.arange(length)
        return pre[:, j] + (total - pre[:, j + 1]) * _PINV
    i, j = _pairs(length)
    return pre[:, i] + (pre[:, j] - pre[:, i + 1]) * _PINV + (total - pre[:, j + 1]) * _PINV2


@lru_cache(maxsize=MAX_LENGTH + 1)
def _pairs(length: int) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of positions i < j in a word of ``length`` (the same for every query)."""
    pairs = np.array(list(combinations(range(length), 2)), dtype=np.intp).reshape(-1, 2)
    return pairs[:, 0], pairs[:, 1]


def word_variant_hashes(word: str, max_level: int) -> np.ndarray:
    """All hashes of ``word`` with up to ``max_level`` deletions (query side), repeats included."""
    pre = _prefix_sums(codes([word], len(word)))
    return np.concatenate([_deletions(pre, len(word), n).ravel() for n in range(max_level + 1)])


def text_hashes(texts: Iterable[str]) -> np.ndarray:
    """A 64-bit hash of each string (uint64, blake2b of its UTF-8), the same in every process.

    Saved on disk (headlines' and article ids'), so it must not be salted as ``hash()`` is.
    """
    digests = b"".join(
        blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest() for text in texts
    )
    return np.frombuffer(digests, dtype=np.uint64).copy()
