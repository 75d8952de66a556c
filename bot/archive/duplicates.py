"""Spot articles whose text another article already has, up to case and spacing.

Collapsing every body's whitespace to compare them was a third of loading
time. Removing it instead is a byte-table pass, four times cheaper, but
would call "ab c" and "a bc" the same; so that key only finds candidates,
and a candidate is confirmed on the collapsed text. Both keys are digests,
so the check holds 16 bytes an article, not a second copy of the archive.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

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
    """The articles seen so far, by text; :meth:`original_of` then :meth:`add` for each new one.

    An article may be remembered by id alone (one kept from an earlier load,
    whose key the ledger holds): ``article_of`` then fetches it, from the
    index, in the rare case that a new article's key matches its key.
    """

    def __init__(self, article_of: Callable[[str], Article | None] | None = None) -> None:
        self._first: dict[bytes, Article | str] = {}
        self._more: dict[bytes, list[Article | str]] = {}  # different texts sharing a squeezed key
        self._article_of = article_of

    def original_of(self, article: Article) -> tuple[bytes, Article | None]:
        """``article``'s squeezed key, and the earlier article with the same text, if any."""
        key = squeezed_key(article.body)
        first = self._first.get(key)
        if first is None:
            return key, None
        text = text_key(article.body)
        for entry in (first, *self._more.get(key, ())):
            earlier = self._resolve(entry)
            if text_key(earlier.body) == text:
                return key, earlier
        return key, None

    def add(self, key: bytes, article: Article | str) -> None:
        """Remember ``article`` (as stored: its body may live on disk, or by id) under ``key``."""
        if self._first.setdefault(key, article) is not article:
            self._more.setdefault(key, []).append(article)

    def _resolve(self, entry: Article | str) -> Article:
        if isinstance(entry, Article):
            return entry
        found = None if self._article_of is None else self._article_of(entry)
        if found is None:
            raise LookupError(f"article {entry!r} is recorded but cannot be found")
        return found
