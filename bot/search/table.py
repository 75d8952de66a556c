"""A segment's article records as columns on disk, memory-mapped, made into Articles on demand.

One Python ``Article`` per article is what made opening a cached index of 10^6
articles take seconds and a gigabyte, and every process of a machine held its
own copy. So a segment saves its records as columns, search engines' way: ids,
titles and URLs as UTF-8 blobs with each one's end, the outlet as a number into
the segment's outlet names, the publication time as microseconds since the epoch
(UTC) and its UTC offset in seconds (so ``published`` comes back exactly, its
offset too), and the bodies as before (``bodies.bin``, read with ``pread``).
Opening maps the files, which costs nothing per article and lets the processes
that map them share their pages; :class:`ArticleTable` makes an ``Article``
only when one is asked for. Ids are found through a sorted array of their
64-bit hashes (:mod:`bot.search.ids`), each candidate checked against the id itself.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, cast

import numpy as np
import orjson

from bot.archive.bodies import BodyFile, StoredText
from bot.archive.model import Article
from bot.search.hashing import text_hashes
from bot.search.ids import IdLookup
from bot.search.views import ArticleView, Field

BODIES = "bodies.bin"
_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - wall-clock arithmetic; the zone is added after
_PADDED_ROWS = 65_536  # strings padded at a time (index arrays of rows x width)
EPOCH_ORDINAL = _EPOCH.toordinal()  # the calendar ordinal of the day microseconds count from
_MICROSECOND = timedelta(microseconds=1)


def mapped(path: Path) -> np.ndarray:
    """The file's array, memory-mapped read-only, as a plain ndarray (no per-slice hooks)."""
    return np.load(path, mmap_mode="r").view(np.ndarray)


@dataclass(frozen=True)
class Strings:
    """UTF-8 strings one after another in one byte array, and each one's end in it."""

    blob: np.ndarray  # uint8
    ends: np.ndarray  # int64, one per string

    @classmethod
    def of(cls, texts: Iterable[str]) -> Strings:
        blob, ends, end = bytearray(), array("q"), 0
        for text in texts:
            end += len(encoded := text.encode("utf-8", "surrogatepass"))
            blob += encoded
            ends.append(end)
        return cls(np.frombuffer(bytes(blob), np.uint8), np.frombuffer(ends, np.int64))

    @classmethod
    def joined(cls, parts: Sequence[Strings]) -> Strings:
        shifts = np.cumsum([0, *(len(p.blob) for p in parts)])[:-1]
        return cls(
            np.concatenate([np.zeros(0, np.uint8), *(p.blob for p in parts)]),
            np.concatenate(
                [np.zeros(0, np.int64), *(p.ends + s for p, s in zip(parts, shifts, strict=True))]
            ),
        )

    def __len__(self) -> int:
        return len(self.ends)

    def span(self, position: int) -> tuple[int, int]:
        return int(self.ends[position - 1]) if position else 0, int(self.ends[position])

    def __getitem__(self, position: int) -> str:
        start, end = self.span(position)
        return self.blob[start:end].tobytes().decode("utf-8", "surrogatepass")

    def many(self, positions: np.ndarray) -> list[str]:
        """The strings at ``positions``, their bounds read in one step, not two each.

        Asked for many, the blob is copied out once and sliced as bytes: a
        slice of it as an array costs several times a slice of bytes.
        """
        stops = self.ends[positions]
        starts = np.where(positions > 0, self.ends[positions - 1], 0)
        blob = self.blob.tobytes() if len(positions) * 16 > len(self) else self.blob
        return [
            bytes(blob[start:stop]).decode("utf-8", "surrogatepass")
            for start, stop in zip(starts.tolist(), stops.tolist(), strict=True)
        ]

    def padded(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The strings at ``positions`` as fixed-width bytes (numpy ``S``), and their lengths."""
        starts = np.where(positions > 0, self.ends[positions - 1], 0)
        lengths = self.ends[positions] - starts
        width = max(int(lengths.max(initial=0)), 1)
        padded = np.zeros((len(positions), width), np.uint8)
        columns = np.arange(width)
        for lo in range(0, len(positions), _PADDED_ROWS):  # bounded index arrays
            rows = slice(lo, lo + _PADDED_ROWS)
            inside = columns < lengths[rows, None]
            padded[rows][inside] = self.blob[(starts[rows, None] + columns)[inside]]
        return padded.view(f"S{width}").reshape(-1), lengths

    def take(self, positions: np.ndarray) -> Strings:
        """The strings at ``positions`` (ascending), copied a run of neighbours at a time."""
        pieces, ends, end = [], [np.zeros(0, np.int64)], 0
        for lo, hi in runs(positions):
            start, stop = self.span(lo)[0], self.span(hi - 1)[1]
            pieces.append(self.blob[start:stop])
            ends.append(self.ends[lo:hi] - start + end)
            end += stop - start
        return Strings(np.concatenate([np.zeros(0, np.uint8), *pieces]), np.concatenate(ends))


def runs(positions: np.ndarray) -> list[tuple[int, int]]:
    """Ascending ``positions`` as ranges of consecutive ones, ``(first, stop)``."""
    if not len(positions):
        return []
    breaks = np.flatnonzero(np.diff(positions) != 1) + 1
    firsts = positions[np.r_[0, breaks]].tolist()
    lasts = positions[np.r_[breaks - 1, len(positions) - 1]].tolist()
    return [(first, last + 1) for first, last in zip(firsts, lasts, strict=True)]


@lru_cache(maxsize=512)
def _zone(offset: int) -> timezone:
    return timezone(timedelta(seconds=offset))


def _instant(published: datetime) -> tuple[int, int]:
    """Microseconds since the epoch (UTC) and the UTC offset in seconds, exactly."""
    offset = published.utcoffset()
    if offset is None or offset % timedelta(seconds=1):
        raise ValueError(f"published needs a UTC offset of whole seconds: {published!r}")
    local = (published.replace(tzinfo=None) - _EPOCH) // _MICROSECOND
    return local - offset // _MICROSECOND, int(offset.total_seconds())


@dataclass(frozen=True, eq=False)
class Columns:
    """Every record field of some articles, one array (or blob) per field."""

    ids: Strings
    titles: Strings
    urls: Strings  # "" where there is no URL; ``no_url`` says which
    no_url: np.ndarray  # bool
    outlets: tuple[str, ...]  # the outlet names, first seen first
    outlet_codes: np.ndarray  # int32, into ``outlets``
    published: np.ndarray  # int64 microseconds since the epoch, UTC
    offsets: np.ndarray  # int32 seconds east of UTC
    id_hashes: np.ndarray  # uint64, by position

    _SAVED = ("no_url", "outlet_codes", "published", "offsets")

    @classmethod
    def of(cls, articles: Sequence[Article]) -> Columns:
        names: dict[str, int] = {}
        codes = [names.setdefault(a.source, len(names)) for a in articles]
        instants = [_instant(a.published) for a in articles]
        ids = [a.id for a in articles]
        return cls(
            Strings.of(ids),
            Strings.of(a.title for a in articles),
            Strings.of(a.url or "" for a in articles),
            np.fromiter((a.url is None for a in articles), bool, len(articles)),
            tuple(names),
            np.asarray(codes, np.int32),
            np.asarray([i for i, _ in instants], np.int64).reshape(-1),
            np.asarray([o for _, o in instants], np.int32).reshape(-1),
            text_hashes(ids),
        )

    @classmethod
    def joined(cls, parts: Sequence[Columns]) -> Columns:
        names: dict[str, int] = {}
        codes = []
        for part in parts:
            recode = np.asarray([names.setdefault(n, len(names)) for n in part.outlets], np.int32)
            codes.append(recode[part.outlet_codes] if len(recode) else part.outlet_codes)

        def glued(field: str) -> np.ndarray:
            return np.concatenate([getattr(part, field) for part in parts])

        return cls(
            Strings.joined([p.ids for p in parts]),
            Strings.joined([p.titles for p in parts]),
            Strings.joined([p.urls for p in parts]),
            glued("no_url"),
            tuple(names),
            np.concatenate([np.zeros(0, np.int32), *codes]),
            glued("published"),
            glued("offsets"),
            glued("id_hashes"),
        )

    def take(self, positions: np.ndarray) -> Columns:
        """The columns of the articles at ``positions`` (ascending)."""
        return Columns(
            self.ids.take(positions),
            self.titles.take(positions),
            self.urls.take(positions),
            self.no_url[positions],
            self.outlets,
            self.outlet_codes[positions],
            self.published[positions],
            self.offsets[positions],
            self.id_hashes[positions],
        )

    def save(self, folder: Path) -> None:
        for name in ("ids", "titles", "urls"):
            strings: Strings = getattr(self, name)
            np.save(folder / f"article_{name}.npy", strings.blob)
            np.save(folder / f"article_{name}_ends.npy", strings.ends)
        for name in self._SAVED:
            np.save(folder / f"article_{name}.npy", getattr(self, name))
        (folder / "article_outlets.json").write_bytes(orjson.dumps(list(self.outlets)))
        order = np.argsort(self.id_hashes, kind="stable")
        np.save(folder / "article_id_hashes.npy", self.id_hashes[order])
        np.save(folder / "article_id_order.npy", order)

    @classmethod
    def open(cls, folder: Path) -> tuple[Columns, np.ndarray]:
        """The saved columns, memory-mapped (``id_hashes`` sorted), and the ids' hash order."""

        def strings(name: str) -> Strings:
            return Strings(
                mapped(folder / f"article_{name}.npy"), mapped(folder / f"article_{name}_ends.npy")
            )

        saved = {name: mapped(folder / f"article_{name}.npy") for name in cls._SAVED}
        outlets = tuple(orjson.loads((folder / "article_outlets.json").read_bytes()))
        columns = cls(
            strings("ids"),
            strings("titles"),
            strings("urls"),
            outlets=outlets,
            id_hashes=mapped(folder / "article_id_hashes.npy"),
            **saved,
        )
        return columns, mapped(folder / "article_id_order.npy")


class ArticleTable(ArticleView):
    """A saved segment's articles: its columns, memory-mapped, and its file of bodies."""

    def __init__(
        self, columns: Columns, order: np.ndarray, body_ends: np.ndarray, bodies: BodyFile
    ) -> None:
        self.columns = columns
        self.body_ends = body_ends
        self.bodies = bodies
        self.ids = IdLookup(columns.id_hashes, order, columns.ids.__getitem__)

    @classmethod
    def open(cls, folder: Path) -> ArticleTable:
        columns, order = Columns.open(folder)
        return cls(columns, order, mapped(folder / "body_ends.npy"), BodyFile.open(folder / BODIES))

    def __len__(self) -> int:
        return len(self.body_ends)

    def id_at(self, position: int) -> str:
        return self.columns.ids[position]

    def strings_at(self, positions: np.ndarray, field: Field) -> list[str]:
        return (self.columns.ids if field == "id" else self.columns.titles).many(positions)

    def id_keys(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.columns.ids.padded(positions)

    def moments_at(self, positions: np.ndarray) -> np.ndarray:
        utc = self.columns.published[positions].astype(np.int64)
        local = utc + self.columns.offsets[positions].astype(np.int64) * 1_000_000
        ordinals = local // 86_400_000_000 + EPOCH_ORDINAL
        return np.stack([utc, ordinals], axis=1)

    def at(self, position: int) -> Article:
        columns = self.columns
        offset = int(columns.offsets[position])
        local = int(columns.published[position]) + offset * 1_000_000
        start = int(self.body_ends[position - 1]) if position else 0
        return Article(
            columns.ids[position],
            (_EPOCH + local * _MICROSECOND).replace(tzinfo=_zone(offset)),
            columns.outlets[columns.outlet_codes[position]],
            columns.titles[position],
            StoredText(self.bodies, start, int(self.body_ends[position]) - start),
            None if columns.no_url[position] else columns.urls[position],
        )

    def columns_at(self, positions: np.ndarray) -> Columns:
        """The columns of the articles at ``positions`` (ascending), id hashes by position."""
        columns = Columns(**{**vars(self.columns), "id_hashes": self.ids.by_position()})
        return columns.take(positions)

    def copy_bodies(self, positions: np.ndarray, out: BinaryIO) -> np.ndarray:
        """Write the bodies at ``positions`` (ascending) to ``out``, a run at a time.

        Returns their sizes in bytes."""
        for lo, hi in runs(positions):
            start = int(self.body_ends[lo - 1]) if lo else 0
            stop = int(self.body_ends[hi - 1])
            self.bodies.copy_to(out, start, stop - start)
        starts = np.concatenate([[0], self.body_ends[:-1]])
        return (self.body_ends - starts)[positions]


def write(articles: Sequence[Article], folder: Path) -> None:
    """Save ``articles`` as a table in ``folder`` (:meth:`ArticleTable.open` reads it).

    Where they come from a saved table (a merge's survivors), its columns are
    sliced and its bodies copied as byte ranges: a merge makes no ``Article``.
    Other articles are written one at a time.
    """
    pieces = articles.pieces() if isinstance(articles, ArticleView) else [(articles, None)]
    parts, sizes = [Columns.of([])], [np.zeros(0, np.int64)]
    with (folder / BODIES).open("wb") as out:
        for source, positions in pieces:
            if isinstance(source, ArticleTable):
                taken = np.arange(len(source)) if positions is None else positions
                parts.append(source.columns_at(taken))
                sizes.append(source.copy_bodies(taken, out))
            else:
                chosen = source if positions is None else [source[n] for n in positions.tolist()]
                parts.append(Columns.of(chosen))
                sizes.append(_written(chosen, out))
    np.save(folder / "body_ends.npy", np.cumsum(np.concatenate(sizes)))
    Columns.joined(parts).save(folder)


def _written(articles: Sequence[Article], out: BinaryIO) -> np.ndarray:
    """Write the bodies of ``articles`` to ``out``; their sizes in bytes.

    A loaded archive's bodies lie one after another in the loader's spool file
    (each article kept was appended to it in order), so they are copied as one
    run; other articles one body at a time, never all in memory.
    """
    stored = [article.stored for article in articles]
    spool = stored[0].file if stored and stored[0] is not None else None
    if spool is not None and all(s is not None and s.file is spool for s in stored):
        runs = cast("list[StoredText]", stored)
        offsets = np.fromiter((s.offset for s in runs), np.int64, len(runs))
        sizes = np.fromiter((s.length for s in runs), np.int64, len(runs))
        if np.array_equal(offsets[1:], offsets[:-1] + sizes[:-1]):
            spool.copy_to(out, int(offsets[0]), int(sizes.sum()))
            return sizes
    return np.fromiter(
        (out.write(article.encoded_body()) for article in articles), np.int64, len(articles)
    )
