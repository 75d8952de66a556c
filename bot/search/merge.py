"""Merging segments: fewer, larger segments and no deleted articles, in the background.

Every update adds a segment, and a query visits every segment, so segments are
merged as Lucene's tiered policy merges them: segments are grouped in tiers by
size (a tier is ``factor`` times the one below it), and once ``factor``
neighbouring segments share a tier they are merged into one of the next; a
segment whose deleted share passes ``deleted_share`` is rewritten without
them. Only neighbours are merged, so documents keep their order (ranking ties
are broken by position), and the index stays the same index: a merge changes
no answer except through the statistics, which then stop counting what it
dropped.

A merge is done in two steps so that it never blocks a query: :func:`merge`
builds the new segment from one index (``bot.search.offload`` runs it in a child
process over the cached segments, so the serving process stays free), and
:func:`apply` puts it in whichever index is current by then (fast), deleting
in the new segment what was deleted in its sources meanwhile; when a source
segment is gone by then, the merge is dropped.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.config import SearchSettings
from bot.search.index import SearchIndex
from bot.search.joining import Source, merge_postings
from bot.search.segment import NO_FILE, Segment
from bot.search.views import Gathered

log = logging.getLogger(__name__)

FLOOR = 1_000  # segments smaller than this many articles are all of the lowest tier


@dataclass(frozen=True)
class MergePolicy:
    """When to merge: see the module's docstring (and ``[search]`` in the configuration)."""

    factor: int = 10
    deleted_share: float = 0.25
    floor: int = FLOOR

    @classmethod
    def from_settings(cls, settings: SearchSettings) -> MergePolicy:
        return cls(settings.merge_factor, settings.merge_deleted_share)

    def plan(self, index: SearchIndex) -> tuple[int, int] | None:
        """The segments to merge next, as a range ``(first, stop)``; None when none need it."""
        sizes = [len(segment) for segment in index.segments]
        deleted = [index.deleted_count(n) for n in range(len(sizes))]
        for n, (size, gone) in enumerate(zip(sizes, deleted, strict=True)):
            if size and gone / size > self.deleted_share:
                return n, n + 1
        tiers = [self._tier(size - gone) for size, gone in zip(sizes, deleted, strict=True)]
        run_start = 0
        for n in range(1, len(tiers) + 1):
            if n == len(tiers) or tiers[n] != tiers[run_start]:
                if n - run_start >= self.factor:
                    return run_start, n
                run_start = n
        return None

    def _tier(self, live: int) -> int:
        if live < self.floor:
            return 0
        return 1 + int(math.log(live / self.floor, self.factor))


@dataclass(frozen=True)
class Merge:
    """A segment made from ``sources``' live articles, and the deleted sets it dropped."""

    segment: Segment
    sources: tuple[Segment, ...]
    dropped: tuple[np.ndarray | None, ...]


def merge(index: SearchIndex, first: int, stop: int, folder: Path | None = None) -> Merge:
    """One segment holding the live articles of ``index.segments[first:stop]``, in order.

    The postings are merged, not the articles indexed again
    (:mod:`bot.search.joining`); with ``folder``, an existing empty folder,
    its postings are written there and memory-mapped rather than held in
    memory. The index is not changed.
    """
    started = time.perf_counter()
    sources = index.segments[first:stop]
    dropped = index.deleted[first:stop]
    kept = [
        np.arange(len(segment)) if deleted is None else np.flatnonzero(~deleted)
        for segment, deleted in zip(sources, dropped, strict=True)
    ]
    bases = np.cumsum([0, *map(len, sources)])[:-1]
    # A view of the survivors: writing it copies their columns, making no Article.
    articles = Gathered(
        [s.articles for s in sources],
        np.concatenate([np.zeros(0, np.int64), *(k + b for k, b in zip(kept, bases, strict=True))]),
    )
    postings = merge_postings(
        [
            Source(segment.postings, None if deleted is None else ~deleted)
            for segment, deleted in zip(sources, dropped, strict=True)
        ],
        folder,
    )
    # The per-article columns come across as they are: deriving them again from
    # the articles would be seconds at 10^6 (headline keys most of all).
    stored = {
        name: np.concatenate(
            [
                np.asarray(getattr(segment, name))[slice(None) if deleted is None else ~deleted]
                for segment, deleted in zip(sources, dropped, strict=True)
            ]
        )
        for name in Segment.STORED
    }
    merged = Segment.of_postings(articles, postings, stored=stored, origins=_origins(sources, kept))
    log.info(
        "Merged %d segments (%d articles, %d deleted dropped) in %.1f s",
        len(sources),
        sum(map(len, sources)),
        sum(map(len, sources)) - len(articles),
        time.perf_counter() - started,
    )
    return Merge(merged, tuple(sources), tuple(dropped))


def _origins(
    sources: Sequence[Segment], kept: Sequence[np.ndarray]
) -> tuple[tuple[str, ...], np.ndarray]:
    """The survivors' archive files: the names, and per survivor its name's number."""
    names: dict[str, int] = {}
    origins = [np.zeros(0, np.int32)]
    for segment, keep in zip(sources, kept, strict=True):
        numbers = np.asarray([names.setdefault(f, len(names)) for f in segment.files], np.int32)
        if segment.origins is None or not len(numbers):
            origins.append(np.full(len(keep), NO_FILE, np.int32))
            continue
        theirs = segment.origins[keep]
        known = theirs != NO_FILE
        origins.append(np.where(known, numbers[np.where(known, theirs, 0)], NO_FILE))
    return tuple(names), np.concatenate(origins).astype(np.int32)


def apply(index: SearchIndex, done: Merge) -> SearchIndex | None:
    """``index`` with ``done``'s sources replaced by its segment; None when they are gone.

    Articles deleted from the sources after the merge began are deleted in the
    merged segment too.
    """
    first = _run_of(index.segments, done.sources)
    if first is None:
        return None
    stop = first + len(done.sources)
    base = int(index.bases[first])
    # Old global position -> new: the dropped ones vanish, later ones move up.
    kept = (
        np.concatenate(
            [
                np.ones(len(s), bool) if d is None else ~d
                for s, d in zip(done.sources, done.dropped, strict=True)
            ]
        )
        if done.sources
        else np.zeros(0, bool)
    )
    moved = np.arange(index.bases[-1], dtype=np.int64)
    inside = np.cumsum(kept) - 1 + base
    moved[base : base + len(kept)] = np.where(kept, inside, -1)
    moved[base + len(kept) :] -= len(kept) - int(kept.sum())
    now = [
        np.zeros(len(s), bool) if d is None else d
        for s, d in zip(done.sources, index.deleted[first:stop], strict=True)
    ]
    since = np.concatenate(now)[kept] if done.sources else np.zeros(0, bool)
    links = index.links
    if len(links):
        ends = moved[links[:, :2]]
        links = np.column_stack([ends, links[:, 2]]).astype(np.int32)[(ends >= 0).all(axis=1)]
    # A merge of segments whose articles were all deleted leaves nothing to keep:
    # an empty segment would stay in the list for good (the policy never plans one),
    # unless it is all the index has.
    keep = len(done.segment) > 0 or len(index.segments) == len(done.sources)
    kept_segment = [done.segment] if keep else []
    kept_deleted = [since if since.any() else None] if keep else []
    return SearchIndex(
        [*index.segments[:first], *kept_segment, *index.segments[stop:]],
        deleted=[*index.deleted[:first], *kept_deleted, *index.deleted[stop:]],
        aliases=index.aliases,
        links=links,
    )


def _run_of(segments: Sequence[Segment], run: Sequence[Segment]) -> int | None:
    """Where ``run`` stands in ``segments``, consecutively; None when it does not."""
    names = [s.name for s in segments]
    wanted = [s.name for s in run]
    for first in range(len(names) - len(wanted) + 1):
        if names[first : first + len(wanted)] == wanted:
            return first
    return None
