"""Merging segments' postings without reading their articles again.

A merge used to index the surviving articles' text once more (tokenising in
Python: 15 s at 105k, holding the interpreter). Everything a posting holds is
independent of the other documents, so the merged index can be assembled from
the sources' arrays instead: the vocabularies are united (sorted, so a prefix
stays an id range), each source's document numbers are renumbered without its
deleted ones, and each term's postings are its sources' postings one after the
other (the sources follow each other in document order, so every list stays
ascending). Codes (term count and length norm), title flags and lengths come
across as they are. The result is array for array what
:func:`bot.search.postings.build_postings` gives for the surviving articles
(``tests/search/test_joining.py`` checks it).

The work goes through the merged vocabulary a block of terms at a time, and
with ``folder`` the output arrays are written to ``.npy`` files there as they
are made and the sources are read with ``pread`` rather than mapped, so merging
an archive of 10^6 articles holds one block of postings in memory, not all of
them twice.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress
from pathlib import Path

import numpy as np

from bot.search.postings import Postings

# Postings per block of terms, and read at once while counting what survives:
# about 60 MB of temporaries.
BLOCK_POSTINGS = 1 << 23


@dataclass(frozen=True)
class Source:
    """One segment's postings and which of its documents survive (None: all of them)."""

    postings: Postings
    keep: np.ndarray | None = None


class _Array:
    """A source array, sliced by reading its file when it is a mapped ``.npy``.

    Reading a mapped file keeps its pages in this process's resident memory
    until the mapping goes; ``pread`` leaves them in the page cache only.
    """

    def __init__(self, array: np.ndarray) -> None:
        self.array = array
        self.dtype = array.dtype
        self._fd: int | None = None
        self._offset = 0
        mapped = array.base if isinstance(array.base, np.memmap) else None
        if (
            mapped is not None
            and mapped.filename
            and mapped.shape == array.shape
            and array.flags.c_contiguous
        ):
            self._fd = os.open(mapped.filename, os.O_RDONLY)
            self._offset = int(mapped.offset)

    def __getitem__(self, span: slice) -> np.ndarray:
        lo, hi, _ = span.indices(len(self.array))
        if self._fd is None or hi <= lo:
            return np.asarray(self.array[lo:hi])
        size = self.dtype.itemsize
        data = bytearray((hi - lo) * size)
        view, at = memoryview(data), self._offset + lo * size
        while view:
            got = os.preadv(self._fd, [view], at)
            if got <= 0:
                raise OSError(f"{self.array!r} ends before {hi}")
            view, at = view[got:], at + got
        return np.frombuffer(data, dtype=self.dtype)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


class _Output:
    """An output array written block by block: to a ``.npy`` file, or into memory."""

    def __init__(self, folder: Path | None, name: str, dtype: type, size: int) -> None:
        self.path = None if folder is None else folder / f"{name}.npy"
        self.at = 0
        self.memory: np.ndarray | None = None
        if self.path is None:
            self.memory = np.empty(size, dtype=dtype)
            return
        self.file = self.path.open("wb")
        header = {"descr": np.dtype(dtype).str, "fortran_order": False, "shape": (size,)}
        np.lib.format.write_array_header_1_0(self.file, header)

    def write(self, block: np.ndarray) -> None:
        if self.memory is not None:
            self.memory[self.at : self.at + len(block)] = block
        else:
            self.file.write(np.ascontiguousarray(block).tobytes())
        self.at += len(block)

    def finish(self) -> np.ndarray:
        if self.memory is not None:
            return self.memory
        self.file.close()
        assert self.path is not None
        return np.load(self.path, mmap_mode="r").view(np.ndarray)


def _survivors(array: _Array, offsets: np.ndarray, keep: np.ndarray, block: int) -> np.ndarray:
    """Per term, how many of its postings (documents in ``array``) are of kept documents."""
    before = np.zeros(len(offsets), dtype=np.int64)  # kept postings before each offset
    total = int(offsets[-1])
    kept_so_far = 0
    for lo in range(0, total, block):
        hi = min(lo + block, total)
        running = np.cumsum(keep[array[lo:hi]], dtype=np.int64) + kept_so_far
        inside = slice(*np.searchsorted(offsets, [lo, hi], side="right").tolist())
        before[inside] = running[offsets[inside] - lo - 1]
        kept_so_far = int(running[-1])
    return np.diff(before)


def merge_postings(
    sources: Sequence[Source], folder: Path | None = None, *, block: int = BLOCK_POSTINGS
) -> Postings:
    """One index of the sources' surviving documents, in order, as one build would make it.

    With ``folder`` (which must exist), the arrays are written there as
    ``offsets.npy``, ``docs.npy`` ... and returned memory-mapped.
    """
    readers = [
        {name: _Array(getattr(s.postings, name)) for name in ("docs", "codes", "in_title")}
        for s in sources
    ]
    try:
        return _merge(sources, readers, folder, max(block, 1))
    finally:
        for reader in readers:
            for array in reader.values():
                array.close()


def _merge(
    sources: Sequence[Source], readers: list[dict[str, _Array]], folder: Path | None, block: int
) -> Postings:
    # Documents: each source's survivors, renumbered after the sources before it.
    keeps = [
        np.ones(len(s.postings.lengths), bool) if s.keep is None else s.keep.astype(bool)
        for s in sources
    ]
    renumber, lengths, first = [], [], 0
    for source, keep in zip(sources, keeps, strict=True):
        renumber.append((np.cumsum(keep, dtype=np.int64) - 1 + first).astype(np.int32))
        lengths.append(np.asarray(source.postings.lengths)[keep])
        first += int(keep.sum())
    # Per source and term, the postings that survive; a term none survive in goes.
    counts = []
    for source, reader, keep in zip(sources, readers, keeps, strict=True):
        offsets = np.asarray(source.postings.offsets)
        if keep.all():
            counts.append(np.diff(offsets))
        else:
            counts.append(_survivors(reader["docs"], offsets, keep, block))
    alive = [compress(s.postings.terms, c > 0) for s, c in zip(sources, counts, strict=True)]
    terms = sorted(set().union(*alive))
    position = {term: n for n, term in enumerate(terms)}
    ranks = []  # per source term, its merged id (a dropped term: the next one's, keeping order)
    for source in sources:
        words = source.postings.terms
        rank = np.fromiter((position.get(t, -1) for t in words), np.int64, len(words))
        missing = rank < 0
        if missing.any():
            rank[missing] = len(terms)
            rank = np.minimum.accumulate(rank[::-1])[::-1].copy()
        ranks.append(rank)
    del position
    df = np.zeros(len(terms), dtype=np.int64)
    for rank, count in zip(ranks, counts, strict=True):
        alive = count > 0
        df[rank[alive]] += count[alive]
    offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    np.cumsum(df, out=offsets[1:])
    total = int(offsets[-1])

    docs_out = _Output(folder, "docs", np.int32, total)
    codes_out = _Output(folder, "codes", np.uint16, total)
    title_out = _Output(folder, "in_title", np.uint8, total)
    title_docs_out = _Output(folder, "title_docs", np.int32, _title_total(sources, keeps, block))
    title_offsets = np.zeros(len(terms) + 1, dtype=np.int64)
    titles_so_far = 0
    term_lo = 0
    while term_lo < len(terms):
        # A block of merged terms holding about BLOCK_POSTINGS postings (at least one term).
        term_hi = int(np.searchsorted(offsets, offsets[term_lo] + block, side="right")) - 1
        term_hi = min(max(term_hi, term_lo + 1), len(terms))
        base = int(offsets[term_lo])
        size = int(offsets[term_hi]) - base
        block_docs = np.empty(size, dtype=np.int32)
        block_codes = np.empty(size, dtype=np.uint16)
        block_title = np.empty(size, dtype=np.uint8)
        next_free = offsets[term_lo:term_hi] - base
        for source, reader, keep, rank, count, new in zip(
            sources, readers, keeps, ranks, counts, renumber, strict=True
        ):
            t0, t1 = np.searchsorted(rank, [term_lo, term_hi], side="left")
            src_offsets = np.asarray(source.postings.offsets)
            lo, hi = int(src_offsets[t0]), int(src_offsets[t1])
            if lo == hi:
                continue
            docs = reader["docs"][lo:hi]
            alive = keep[docs]
            survivors = count[t0:t1]
            held = survivors > 0
            # Each survivor's slot: its term's next free slot plus its place among them.
            sizes = survivors[held]
            term_of = np.repeat(rank[t0:t1][held] - term_lo, sizes)
            group_starts = np.cumsum(sizes) - sizes
            place = np.arange(len(term_of)) - np.repeat(group_starts, sizes)
            slots = next_free[term_of] + place
            block_docs[slots] = new[docs[alive]]
            block_codes[slots] = reader["codes"][lo:hi][alive]
            block_title[slots] = reader["in_title"][lo:hi][alive]
            next_free[rank[t0:t1][held] - term_lo] += sizes
        # The title lists: a term's title postings, counted from where its postings start.
        title_before = np.concatenate([[0], np.cumsum(block_title, dtype=np.int64)])
        starts = offsets[term_lo:term_hi] - base
        title_offsets[term_lo:term_hi] = titles_so_far + title_before[starts]
        titles_so_far += int(title_before[-1])
        title_docs_out.write(block_docs[block_title.astype(bool)])
        docs_out.write(block_docs)
        codes_out.write(block_codes)
        title_out.write(block_title)
        term_lo = term_hi
    title_offsets[len(terms)] = titles_so_far

    arrays = {
        "offsets": offsets,
        "title_offsets": title_offsets,
        "lengths": np.concatenate(lengths) if lengths else np.zeros(0, np.uint32),
    }
    if folder is not None:
        for name, array in arrays.items():
            np.save(folder / f"{name}.npy", array)
            arrays[name] = np.load(folder / f"{name}.npy", mmap_mode="r").view(np.ndarray)
    return Postings(
        terms,
        arrays["offsets"],
        docs_out.finish(),
        codes_out.finish(),
        title_out.finish(),
        arrays["title_offsets"],
        title_docs_out.finish(),
        arrays["lengths"],
    )


def _title_total(sources: Sequence[Source], keeps: list[np.ndarray], block: int) -> int:
    """How many title postings survive, so the title list's file can be sized first."""
    total = 0
    for source, keep in zip(sources, keeps, strict=True):
        title_docs = source.postings.title_docs
        if keep.all():
            total += len(title_docs)
            continue
        reader = _Array(title_docs)
        try:
            for lo in range(0, len(title_docs), block):
                total += int(keep[reader[lo : lo + block]].sum())
        finally:
            reader.close()
    return total
