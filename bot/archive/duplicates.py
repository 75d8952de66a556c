"""Spot articles whose text another article already has, up to case and spacing.

Collapsing every body's whitespace to compare them was a third of loading
time. Removing it instead is a byte-table pass, four times cheaper, but
would call "ab c" and "a bc" the same; so that key only finds candidates,
and a candidate is confirmed on the collapsed text. Both keys are digests,
so the check holds 16 bytes an article, not a second copy of the archive.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import numpy as np

from bot.archive.model import Article

# What str.split() takes for whitespace among ASCII characters.
_ASCII_SPACE = bytes(c for c in range(128) if chr(c).isspace())


def _digest(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=16).digest()


def squeezed_key(body: str) -> bytes:
    """Equal for any two bodies :func:`text_key` calls equal (and, rarely, for a few more)."""
    if body.isascii():
        return _digest(body.encode("ascii").lower().translate(None, _ASCII_SPACE))
    return _digest("".join(body.casefold().split()).encode("utf-8", "surrogatepass"))


def text_key(body: str) -> bytes:
    """The body with case folded and whitespace runs collapsed: what "the same text" means."""
    return _digest(" ".join(body.casefold().split()).encode("utf-8", "surrogatepass"))


class Duplicates:
    """The articles seen so far, by text; :meth:`original_of` then :meth:`add` for each new one."""

    def __init__(self) -> None:
        self._first: dict[bytes, Article] = {}
        self._more: dict[bytes, list[Article]] = {}  # different texts sharing a squeezed key

    def original_of(self, article: Article) -> tuple[bytes, Article | None]:
        """``article``'s squeezed key, and the earlier article with the same text, if any."""
        key = squeezed_key(article.body)
        first = self._first.get(key)
        if first is None:
            return key, None
        text = text_key(article.body)
        for earlier in (first, *self._more.get(key, ())):
            if text_key(earlier.body) == text:
                return key, earlier
        return key, None

    def add(self, key: bytes, article: Article) -> None:
        """Remember ``article`` (as stored: its body may live on disk) under ``key``."""
        if self._first.setdefault(key, article) is not article:
            self._more.setdefault(key, []).append(article)


class KeptTexts:
    """The texts of articles kept from an earlier load, found by squeezed key.

    An update holds 10^6 kept articles and reads a few new ones; a dict of
    every key took 2 s to build. Here the keys stay as the ledger holds them
    (16 bytes an article, per file), and one sorted array of their first 8
    bytes, made on the first lookup, is searched for each new article. A
    candidate is confirmed on its text, read through ``article_of``.
    """

    def __init__(self, article_of: Callable[[str], Article | None]) -> None:
        self._article_of = article_of
        self._parts: list[tuple[bytes | bytearray | memoryview, Sequence[str]]] = []
        self._sorted: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def add(self, keys: bytes | bytearray | memoryview, ids: Sequence[str]) -> None:
        """One file's kept articles (``keys``: 16 bytes each, in the order of ``ids``).

        Files are added in the order a full load reads them: the first copy
        of a text is the first added.
        """
        self._parts.append((keys, ids))
        self._sorted = None

    def original_of(self, key: bytes, body: str) -> Article | None:
        """The first kept article whose text is ``body``'s (``key`` is its squeezed key)."""
        prefixes, order, starts = self._index()
        wanted = np.frombuffer(key[:8], dtype=np.uint64)[0]
        low = int(np.searchsorted(prefixes, wanted, side="left"))
        high = int(np.searchsorted(prefixes, wanted, side="right"))
        text = None
        for n in order[low:high].tolist():
            part = int(np.searchsorted(starts, n, side="right")) - 1
            keys, ids = self._parts[part]
            at = int(n) - int(starts[part])
            if keys[16 * at : 16 * at + 16] != key:
                continue
            earlier = self._article_of(ids[at])
            if earlier is None:
                raise LookupError(f"article {ids[at]!r} is recorded but cannot be found")
            text = text or text_key(body)
            if text_key(earlier.body) == text:
                return earlier
        return None

    def _index(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._sorted is None:
            firsts = [np.frombuffer(keys, dtype=np.uint64)[::2] for keys, _ in self._parts]
            joined = np.concatenate([np.zeros(0, np.uint64), *firsts])
            order = np.argsort(joined, kind="stable")  # equal prefixes stay in load order
            sizes = [len(ids) for _, ids in self._parts]
            starts = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])[:-1]
            self._sorted = (joined[order], order, starts)
        return self._sorted
