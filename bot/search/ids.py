"""Finding an article's position by its id without a dict of every id.

A dict of 10^6 ids is a hundred megabytes of Python objects in every process
that opens an index. Instead a segment saves its ids' 64-bit hashes sorted,
with the positions in that order (``bot.search.table``): a lookup is a binary
search, memory-mapped and shared between processes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.search.hashing import text_hashes


@dataclass(frozen=True, eq=False)
class IdLookup:
    """Article id -> position, from the ids' 64-bit hashes sorted, not a dict of every id.

    Each candidate a hash finds is checked against the id itself, so two ids
    sharing a hash never answer for each other. ``hash_of`` is
    :func:`~bot.search.hashing.text_hashes`; tests give it others.
    """

    hashes: np.ndarray  # uint64, ascending
    order: np.ndarray  # the positions, in the order of their hashes
    id_at: Callable[[int], str]
    hash_of: Callable[[Iterable[str]], np.ndarray] = text_hashes

    @classmethod
    def of(
        cls,
        hashes: np.ndarray,
        id_at: Callable[[int], str],
        hash_of: Callable[[Iterable[str]], np.ndarray] = text_hashes,
    ) -> IdLookup:
        """The lookup of the articles whose ids hash to ``hashes`` (by position)."""
        order = np.argsort(hashes, kind="stable")
        return cls(hashes[order], order, id_at, hash_of)

    def by_position(self) -> np.ndarray:
        """Each position's id hash."""
        hashes = np.empty_like(self.hashes)
        hashes[self.order] = self.hashes
        return hashes

    def get(self, article_id: str) -> int | None:
        position = int(self.find([article_id])[0])
        return None if position < 0 else position

    def find(self, ids: Sequence[str]) -> np.ndarray:
        """Each id's position (int64); -1 where there is no such id."""
        found = np.full(len(ids), -1, np.int64)
        if not len(ids) or not len(self.hashes):
            return found
        wanted = self.hash_of(ids)
        starts = np.searchsorted(self.hashes, wanted, side="left").tolist()
        stops = np.searchsorted(self.hashes, wanted, side="right").tolist()
        for n, (start, stop) in enumerate(zip(starts, stops, strict=True)):
            for position in self.order[start:stop].tolist():
                if self.id_at(position) == ids[n]:
                    found[n] = position
                    break
        return found
