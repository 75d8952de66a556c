"""What was indexed from each archive file: enough to tell, next time, what changed.

The ledger is kept beside the index (in its cache) and read back on the next
load: a file whose size and modification time are unchanged is not read at
all, one that grew is read from where its :class:`~bot.archive.scan.Extent`
ends, and one that changed or went has its articles taken out by ``key``.
Each record also keeps what the file contributed to the archive-wide rules
(ids and texts seen, problems, aliases, twins), so those rules hold across
the articles kept and the ones read anew exactly as in a full load.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from bot.archive.problems import Problem
from bot.archive.scan import Extent

LEDGER_VERSION = 1


@dataclass
class FileRecord:
    """One archive file as indexed.

    ``key`` names the file's articles in the index (their provenance): it
    stays when the file is renamed, and a file read anew gets a new one.
    ``ids`` and ``text_keys`` (16 bytes each, see ``bot.archive.duplicates``)
    are the articles kept from it, in order; ``links`` are the keys of the
    files holding the first copy of an id or a text one of this file's
    articles repeated, so that when those go, this file is read again (its
    own key when it repeats its own id: that reason names its path).
    ``tail`` says an article came from bytes past the extent (a last line
    without a line break): the file is then read whole when it grows.
    ``extent`` is None when the reading failed part way.
    """

    path: str
    key: str
    extent: Extent | None
    tail: bool = False
    ids: list[str] = field(default_factory=list)
    text_keys: bytearray = field(default_factory=bytearray)
    problems: list[tuple[int | None, str]] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)
    twins: dict[str, str] = field(default_factory=dict)
    links: set[str] = field(default_factory=set)

    def keyed_ids(self) -> list[tuple[str, bytes]]:
        keys = bytes(self.text_keys)
        return [(id_, keys[16 * n : 16 * n + 16]) for n, id_ in enumerate(self.ids)]

    def as_json(self) -> dict:
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
            "ids": self.ids,
            "text_keys": base64.b64encode(self.text_keys).decode("ascii"),
            "problems": self.problems,
            "aliases": self.aliases,
            "twins": self.twins,
            "links": sorted(self.links),
        }

    @classmethod
    def from_json(cls, data: dict) -> FileRecord:
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
            ids=data["ids"],
            text_keys=bytearray(base64.b64decode(data["text_keys"])),
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

    def as_json(self) -> dict:
        return {
            "version": LEDGER_VERSION,
            "reading": self.reading,
            "next_key": self.next_key,
            "files": [record.as_json() for record in self.records.values()],
        }

    @classmethod
    def from_json(cls, raw: object) -> Ledger:
        """The ledger :meth:`as_json` described; ValueError when it is another version's."""
        if not isinstance(raw, dict) or raw.get("version") != LEDGER_VERSION:
            raise ValueError("archive ledger written by another version")
        records = [FileRecord.from_json(item) for item in raw["files"]]
        return cls(raw["reading"], {r.path: r for r in records}, raw["next_key"])

    def to_bytes(self) -> bytes:
        return orjson.dumps(self.as_json())

    @classmethod
    def from_bytes(cls, data: bytes) -> Ledger:
        return cls.from_json(orjson.loads(data))
