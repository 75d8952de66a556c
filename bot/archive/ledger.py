"""What was indexed from each archive file: enough to tell, next time, what changed.

The ledger is kept beside the index (in its cache) and read back on the next
load: a file whose size and modification time are unchanged is not read at
all, one that grew is read from where its :class:`~bot.archive.scan.Extent`
ends, and one that changed or went has its articles taken out by ``key``.
Each record also keeps what the file contributed to the archive-wide rules
(ids and texts seen, problems, aliases, twins), so those rules hold across
the articles kept and the ones read anew exactly as in a full load.

It is read only when the archive changed, never held by a serving index, and
its bulk (every article's id and text key) stays packed as it is stored: one
UTF-8 blob of ids with each one's end, and 16 bytes of key an article. At
10^6 articles that is about 45 MB, where a ``str`` per id and JSON around
them had held three times that in every bot, and more while an update wrote
the next one.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol, overload

import numpy as np
import orjson

from bot.archive.problems import Problem
from bot.archive.scan import Extent

LEDGER_VERSION = 2  # 2: packed ids and keys after a JSON head; 1: all JSON
MAGIC = b"dateline-ledger\n"
_ALIGN = 8  # sections start at multiples of 8 bytes, so the ends read in place as int64

KeyBytes = bytes | bytearray | memoryview  # text keys, 16 bytes an article


class Sink(Protocol):
    """Where :meth:`Ledger.write` writes: a file open for writing, or ``io.BytesIO``."""

    def write(self, data: memoryview, /) -> object: ...


class Ids(Sequence[str]):
    """A file's article ids, in order: those read back packed, then those added since.

    The packed part is one UTF-8 blob and each id's end in it, as the ledger
    stores them; an id becomes a ``str`` only when it is asked for (an update
    asks for the few whose text a new article may repeat).
    """

    __slots__ = ("_added", "_blob", "_ends")

    def __init__(self, blob: KeyBytes = b"", ends: np.ndarray | None = None) -> None:
        self._blob = blob
        self._ends = np.zeros(0, np.int64) if ends is None else ends
        self._added: list[str] = []

    def __len__(self) -> int:
        return len(self._ends) + len(self._added)

    @overload
    def __getitem__(self, n: int) -> str: ...
    @overload
    def __getitem__(self, n: slice) -> list[str]: ...
    def __getitem__(self, n: int | slice) -> str | list[str]:
        if isinstance(n, slice):
            return [self[k] for k in range(*n.indices(len(self)))]
        if n < 0:
            n += len(self)
        packed = len(self._ends)
        if not 0 <= n < len(self):
            raise IndexError("id position out of range")
        if n >= packed:
            return self._added[n - packed]
        start = int(self._ends[n - 1]) if n else 0
        return bytes(self._blob[start : int(self._ends[n])]).decode("utf-8", "surrogatepass")

    def __iter__(self) -> Iterator[str]:
        return (self[n] for n in range(len(self)))

    def append(self, article_id: str) -> None:
        self._added.append(article_id)

    def copy(self) -> Ids:
        """Ids to append to without changing these (the packed part is shared)."""
        copied = Ids(self._blob, self._ends)
        copied._added = list(self._added)
        return copied

    def packed(self) -> tuple[np.ndarray, list[KeyBytes]]:
        """Each id's end, and the blob's pieces: as :meth:`Ledger.write` stores them."""
        if not self._added:
            return self._ends, [self._blob]
        added, count = self._added, len(self._added)
        text = "".join(added)
        blob = text.encode("utf-8", "surrogatepass")  # one bytes, not one per id
        if len(blob) == len(text):  # ASCII: a character is a byte
            lengths = np.fromiter(map(len, added), np.int64, count)
        else:
            encoded = (i.encode("utf-8", "surrogatepass") for i in added)
            lengths = np.fromiter(map(len, encoded), np.int64, count)
        base = int(self._ends[-1]) if len(self._ends) else 0
        return np.concatenate([self._ends, base + np.cumsum(lengths)]), [self._blob, blob]


@dataclass
class FileRecord:
    """One archive file as indexed.

    ``key`` names the file's articles in the index (their provenance): it
    stays when the file is renamed, and a file read anew gets a new one.
    ``ids`` and ``text_keys`` (16 bytes each, see ``bot.archive.duplicates``)
    are the articles kept from it, in order (:meth:`add`); ``links`` are the
    keys of the files holding the first copy of an id or a text one of this
    file's articles repeated, so that when those go, this file is read again
    (its own key when it repeats its own id: that reason names its path).
    ``tail`` says an article came from bytes past the extent (a last line
    without a line break): the file is then read whole when it grows.
    ``extent`` is None when the reading failed part way.
    """

    path: str
    key: str
    extent: Extent | None
    tail: bool = False
    ids: Ids = field(default_factory=Ids)
    text_keys: KeyBytes = b""
    problems: list[tuple[int | None, str]] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    twins: dict[str, str] = field(default_factory=dict)
    links: set[str] = field(default_factory=set)

    def add(self, article_id: str, text_key: bytes) -> None:
        """One more article kept from the file."""
        self.ids.append(article_id)
        if not isinstance(self.text_keys, bytearray):  # read back: a copy to add to
            self.text_keys = bytearray(self.text_keys)
        self.text_keys += text_key

    def copy(self) -> FileRecord:
        """A copy to add articles to, leaving this record as it is (its ids and keys are
        shared until then, not copied)."""
        keys = self.text_keys
        return replace(
            self,
            ids=self.ids.copy(),
            text_keys=bytes(keys) if isinstance(keys, bytearray) else keys,
            problems=list(self.problems),
            aliases=dict(self.aliases),
            twins=dict(self.twins),
            links=set(self.links),
        )

    def head(self) -> dict:
        """Everything but the ids and keys, as JSON (:meth:`Ledger.write`)."""
        extent = self.extent
        return {
            "path": self.path,
            "key": self.key,
            "extent": None
            if extent is None
            else [
                extent.size,
                extent.mtime_ns,
                extent.indexed,
                extent.digest,
                extent.lines,
                None if extent.header is None else list(extent.header),
                extent.resumable,
                extent.racy,
            ],
            "tail": self.tail,
            "problems": self.problems,
            "aliases": self.aliases,
            "twins": self.twins,
            "links": sorted(self.links),
        }

    @classmethod
    def of_head(cls, data: dict, ids: Ids, text_keys: KeyBytes) -> FileRecord:
        raw = data["extent"]
        extent = None
        if raw is not None:
            size, mtime_ns, indexed, digest, lines, header, resumable, racy = raw
            header = None if header is None else tuple(header)
            extent = Extent(size, mtime_ns, indexed, digest, lines, header, resumable, racy)
        return cls(
            path=data["path"],
            key=data["key"],
            extent=extent,
            tail=data["tail"],
            ids=ids,
            text_keys=text_keys,
            problems=[(line, reason) for line, reason in data["problems"]],
            aliases=data["aliases"],
            twins=data["twins"],
            links=set(data["links"]),
        )


@dataclass
class Ledger:
    """Every archive file's :class:`FileRecord`, by path; ``reading`` says how they were read
    (``bot.archive.loader.reading_of``: the parsers' version and the zone)."""

    reading: str
    records: dict[str, FileRecord] = field(default_factory=dict)
    next_key: int = 0

    def new_key(self) -> str:
        self.next_key += 1
        return f"f{self.next_key}"

    def in_order(self) -> list[FileRecord]:
        """The records in the order a full load reads their files (``discover``'s)."""
        return sorted(self.records.values(), key=lambda record: Path(record.path))

    def problems(self) -> list[Problem]:
        return [
            Problem(record.path, line, reason)
            for record in self.in_order()
            for line, reason in record.problems
        ]

    def aliases(self) -> dict[str, str]:
        return {k: v for record in self.in_order() for k, v in record.aliases.items()}

    def twins(self) -> dict[str, str]:
        return {k: v for record in self.in_order() for k, v in record.twins.items()}

    def write(self, out: Sink) -> None:
        """Write the ledger to ``out``: a JSON head (every record but its ids and keys), then
        each record's text keys, its ids' ends (int64) and their UTF-8 blob, as read back
        by :meth:`from_bytes` without a ``str`` per id."""
        records = [(record, *record.ids.packed()) for record in self.records.values()]
        files = []
        for record, ends, pieces in records:
            if len(record.text_keys) != 16 * len(ends):
                raise ValueError(f"{record.path}: {len(ends)} ids, not as many text keys")
            files.append({**record.head(), "ids": len(ends), "id_bytes": sum(map(len, pieces))})
        head = {
            "version": LEDGER_VERSION,
            "reading": self.reading,
            "next_key": self.next_key,
            "files": files,
        }
        data = orjson.dumps(head)
        written = _Written(out)
        written.write(MAGIC, struct.pack("<Q", len(data)), data)
        for record, ends, pieces in records:
            written.write(record.text_keys, np.asarray(ends, "<i8"), *pieces)

    @classmethod
    def from_bytes(cls, data: bytes | None) -> Ledger:
        """The ledger :meth:`write` wrote; ValueError when ``data`` is not one of this version.

        The records' ids and keys stay in ``data`` (views of it, not copies).
        """
        if data is None or not data.startswith(MAGIC):
            raise ValueError("no archive ledger of this version")
        view = memoryview(data)
        (size,) = struct.unpack_from("<Q", data, len(MAGIC))
        at = len(MAGIC) + 8
        head = orjson.loads(view[at : at + size])
        if not isinstance(head, dict) or head.get("version") != LEDGER_VERSION:
            raise ValueError("archive ledger written by another version")
        at = _aligned(at + size)
        records = []
        for item in head["files"]:
            count, blob_size = item["ids"], item["id_bytes"]
            keys = view[at : at + 16 * count]
            at = _aligned(at + 16 * count)
            ends = np.frombuffer(data, "<i8", count=count, offset=at)
            at = _aligned(at + 8 * count)
            blob = view[at : at + blob_size]
            at = _aligned(at + blob_size)
            records.append(FileRecord.of_head(item, Ids(blob, ends), keys))
        if at != _aligned(len(data)):
            raise ValueError("archive ledger cut short")
        return cls(head["reading"], {r.path: r for r in records}, head["next_key"])

    def to_bytes(self) -> bytes:
        out = io.BytesIO()
        self.write(out)
        return out.getvalue()


def _aligned(at: int) -> int:
    return -(-at // _ALIGN) * _ALIGN


class _Written:
    """``out``, each :meth:`write` padded to a multiple of :data:`_ALIGN` bytes."""

    def __init__(self, out: Sink) -> None:
        self.out = out
        self.at = 0

    def write(self, *pieces: KeyBytes | np.ndarray) -> None:
        for piece in pieces:
            data = piece.data if isinstance(piece, np.ndarray) else memoryview(piece)
            self.out.write(data.cast("B"))
            self.at += data.nbytes
        self.out.write(memoryview(bytes(_aligned(self.at) - self.at)))
        self.at = _aligned(self.at)
