"""Sequences of articles that make each ``Article`` only when it is asked for.

An index of 10^6 articles never holds a list of them: a segment saved in the
cache holds a table of columns (``bot.search.table``), and the index's view of
all its articles, or of the live ones, is :class:`Gathered` over the
segments' tables.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import Literal, overload

import numpy as np

from bot.archive.model import Article

Field = Literal["id", "title"]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


class ArticleView(Sequence[Article]):
    """A sequence of articles that makes each one when asked for it.

    Equal to any sequence of the same articles in the same order, as a list is.
    """

    def id_at(self, position: int) -> str:
        """The id of the article at ``position``, without making the rest of it."""
        return self[position].id

    def strings_at(self, positions: np.ndarray, field: Field) -> list[str]:
        """The ids or titles at ``positions``, in their order, without making the articles."""
        if field == "id":
            return [self.id_at(n) for n in positions.tolist()]
        return [getattr(self.at(n), field) for n in positions.tolist()]

    def id_keys(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ids at ``positions`` as :func:`id_keys` gives them."""
        return _encoded(self.strings_at(positions, "id"))

    def moments_at(self, positions: np.ndarray) -> np.ndarray:
        """Per position, its instant (UTC microseconds) and calendar date's ordinal: (n, 2)."""
        return moments([self.at(n) for n in positions.tolist()])

    @overload
    def __getitem__(self, key: int) -> Article: ...
    @overload
    def __getitem__(self, key: slice) -> list[Article]: ...
    def __getitem__(self, key: int | slice) -> Article | list[Article]:
        if isinstance(key, slice):
            return [self.at(n) for n in range(*key.indices(len(self)))]
        size = len(self)
        if not -size <= key < size:
            raise IndexError(f"article {key} of {size}")
        return self.at(key % size if key < 0 else key)

    def at(self, position: int) -> Article:
        """The article at ``position`` (0 <= position < len)."""
        raise NotImplementedError

    def __iter__(self) -> Iterator[Article]:
        return map(self.at, range(len(self)))

    def pieces(self) -> list[tuple[Sequence[Article], np.ndarray | None]]:
        """Where these articles come from: sequences and the positions taken from each
        (None: all), so that :func:`write` can copy a saved table's columns."""
        return [(self, None)]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]  # equal to lists, which have none


def id_at(articles: Sequence[Article], position: int) -> str:
    """The id at ``position`` of any sequence of articles, made whole only when it must be."""
    if isinstance(articles, ArticleView):
        return articles.id_at(position)
    return articles[position].id


def strings_at(articles: Sequence[Article], positions: np.ndarray, field: Field) -> list[str]:
    """The ids or titles at ``positions`` of any sequence of articles; a view makes no article.

    For work over many articles at once (an update's tie-breaks and story
    chains): one at a time, each would cost a search of the view's parts.
    """
    positions = np.asarray(positions, np.int64)
    if isinstance(articles, ArticleView):
        return articles.strings_at(positions, field)
    return [getattr(articles[n], field) for n in positions.tolist()]


def id_keys(articles: Sequence[Article], positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The ids at ``positions`` as keys that sort as the ids do: their UTF-8 as fixed-width
    bytes (numpy ``S``, which drops trailing NULs) and their lengths in bytes, the second
    key of an ``np.lexsort``. UTF-8 keeps the code points' order, so ids sort as ``str``
    does, without a ``str`` per id for a saved table: a replicated archive ties nearly
    every article on its day, and a million ids as ``str`` cost seconds and hundreds of
    megabytes at every update.
    """
    positions = np.asarray(positions, np.int64)
    if isinstance(articles, ArticleView):
        return articles.id_keys(positions)
    return _encoded([articles[n].id for n in positions.tolist()])


def _encoded(ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
    data = [i.encode("utf-8", "surrogatepass") for i in ids]
    return np.array(data, dtype=bytes).reshape(-1), np.fromiter(map(len, data), np.int64, len(data))


def moments_at(articles: Sequence[Article], positions: np.ndarray) -> np.ndarray:
    """Per position of any sequence of articles, its UTC microseconds and calendar ordinal."""
    positions = np.asarray(positions, np.int64)
    if isinstance(articles, ArticleView):
        return articles.moments_at(positions)
    return moments([articles[n] for n in positions.tolist()])


def moments(articles: Sequence[Article]) -> np.ndarray:
    """Each article's instant (UTC microseconds) and calendar date's ordinal, as (n, 2) int64."""
    rows = [((a.published - EPOCH) // MICROSECOND, a.calendar_date.toordinal()) for a in articles]
    return np.asarray(rows, np.int64).reshape(-1, 2)


Piece = tuple[Sequence[Article], "np.ndarray | None"]


class Gathered(ArticleView):
    """The articles of several sequences one after another, or only those at ``positions``
    (ascending) of that concatenation."""

    def __init__(
        self, parts: Sequence[Sequence[Article]], positions: np.ndarray | None = None
    ) -> None:
        self.parts = tuple(parts)
        self.bases = np.cumsum([0, *map(len, self.parts)], dtype=np.int64)
        self.positions = positions

    def __len__(self) -> int:
        return int(self.bases[-1]) if self.positions is None else len(self.positions)

    def _locate(self, position: int) -> tuple[Sequence[Article], int]:
        if self.positions is not None:
            position = int(self.positions[position])
        part = int(np.searchsorted(self.bases, position, side="right")) - 1
        return self.parts[part], position - int(self.bases[part])

    def at(self, position: int) -> Article:
        part, local = self._locate(position)
        return part[local]

    def id_at(self, position: int) -> str:
        part, local = self._locate(position)
        return id_at(part, local)

    def strings_at(self, positions: np.ndarray, field: Field) -> list[str]:
        found: list[str] = [""] * len(positions)
        for chosen, part, local in self._by_part(positions):
            for n, text in zip(chosen.tolist(), strings_at(part, local, field), strict=True):
                found[n] = text
        return found

    def id_keys(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keys, lengths = np.zeros(len(positions), np.bytes_), np.zeros(len(positions), np.int64)
        for chosen, part, local in self._by_part(positions):
            found, sizes = id_keys(part, local)
            keys = keys.astype(np.result_type(keys, found))
            keys[chosen], lengths[chosen] = found, sizes
        return keys, lengths

    def moments_at(self, positions: np.ndarray) -> np.ndarray:
        found = np.zeros((len(positions), 2), np.int64)
        for chosen, part, local in self._by_part(positions):
            found[chosen] = moments_at(part, local)
        return found

    def _by_part(
        self, positions: np.ndarray
    ) -> Iterator[tuple[np.ndarray, Sequence[Article], np.ndarray]]:
        """For each part holding some of ``positions``: which of them, and where in it."""
        if self.positions is not None:
            positions = self.positions[positions]
        parts = np.searchsorted(self.bases, positions, side="right") - 1
        for part in np.unique(parts).tolist():
            chosen = np.flatnonzero(parts == part)
            yield chosen, self.parts[part], positions[chosen] - self.bases[part]

    def __iter__(self) -> Iterator[Article]:
        if self.positions is None:
            return chain.from_iterable(self.parts)
        return super().__iter__()

    def pieces(self) -> list[Piece]:
        found: list[Piece] = []
        for part, lo, hi in zip(self.parts, self.bases[:-1], self.bases[1:], strict=True):
            mine = None
            if self.positions is not None:
                at = self.positions[(self.positions >= lo) & (self.positions < hi)]
                mine = at - lo
            inner = part.pieces() if isinstance(part, ArticleView) else [(part, None)]
            start = 0
            for source, taken in inner:
                size = len(source) if taken is None else len(taken)
                if mine is None:
                    found.append((source, taken))
                else:
                    local = mine[(mine >= start) & (mine < start + size)] - start
                    found.append((source, local if taken is None else taken[local]))
                start += size
        return found
