"""Read one archive file, or only what was appended to it, and say how much was read.

An archive grows: a JSONL or CSV export gains lines at its end. A reading
records its :class:`Extent`, the file's leading bytes that hold whole lines
(CSV: whole records) and a hash of them, so a later reading of a file whose
leading bytes still hash the same starts where this one stopped. Bytes past
the extent (a last line without its line break: a writer caught mid-line)
are parsed too, as a full load always did, and are read again when the
file grows.

SHA-256 rather than BLAKE2b: with the processor's SHA extensions it hashed
970 MB/s here against BLAKE2b's 370, and a grown file's whole prefix is
hashed to prove it unchanged.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path
from typing import IO, Any

from bot.archive.exports import CsvReading, parse_jsonl
from bot.archive.model import Article
from bot.archive.problems import RecordError
from bot.archive.seed_text import parse_seed_text

SEED_SUFFIXES = {".txt"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
CSV_SUFFIXES = {".csv"}
KNOWN_SUFFIXES = SEED_SUFFIXES | JSONL_SUFFIXES | CSV_SUFFIXES

Parsed = tuple[int | None, Article | RecordError]
RACY_NS = 2_000_000_000  # file systems keep modification times to a clock tick, some to 2 s


@dataclass(frozen=True)
class Extent:
    """What one reading of a file covered, and how to read on from it.

    ``size`` and ``mtime_ns`` are the file's when it was read: both the same
    next time means unchanged, without reading it. ``indexed`` bytes hash to
    ``digest`` and hold ``lines`` whole lines; a CSV file's ``header`` names
    the fields of rows appended later. A file that is not ``resumable`` (a
    seed text, a CSV file without a usable header) is read whole when it
    changes.
    """

    size: int
    mtime_ns: int
    indexed: int
    digest: str
    lines: int
    header: tuple[str, ...] | None = None
    resumable: bool = True
    # Modified within RACY_NS of being read: a write in the same clock tick would
    # leave size and time as they were, so the content is compared next time.
    racy: bool = False


@dataclass
class Resume:
    """Where to read on from: the last :class:`Extent`, its bytes proven unchanged.

    ``hasher`` has hashed those bytes (``bot.archive.changes`` checked them
    against ``extent.digest``), so the new reading's digest goes on from it.
    """

    extent: Extent
    hasher: Any


class CannotResume(Exception):
    """The appended bytes cannot be read on their own (bytes that are not UTF-8 in a CSV file,
    which a full reading refuses whole): read the file from its start."""


def prefix_hasher(path: Path, length: int) -> Any:
    """SHA-256 of the first ``length`` bytes of ``path`` (fewer if it is shorter)."""
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        left = length
        while left > 0 and (block := handle.read(min(left, 1 << 20))):
            hasher.update(block)
            left -= len(block)
    return hasher


class Reading:
    """A file's records, parsed lazily; its :attr:`extent` once they have all been read.

    ``extent`` stays None when reading failed part way (the file is read from
    its start next time).
    """

    def __init__(self, path: Path, zone: tzinfo, resume: Resume | None = None) -> None:
        self.path, self.zone, self.resume = path, zone, resume
        self.extent: Extent | None = None

    @property
    def first_new_line(self) -> int:
        """The number of the first line this reading parses."""
        return 1 if self.resume is None else self.resume.extent.lines + 1

    def __iter__(self) -> Iterator[Parsed]:
        try:
            yield from self._read()
        except OSError as exc:  # unreadable, or gone since it was found; the rest still loads
            self.extent = None
            yield None, RecordError(f"cannot read: {exc.strerror or exc}")

    def _read(self) -> Iterator[Parsed]:
        suffix = self.path.suffix.lower()
        with self.path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            start = 0 if self.resume is None else self.resume.extent.indexed
            hasher = hashlib.sha256() if self.resume is None else self.resume.hasher.copy()
            handle.seek(start)
            # Read only what was there when the file was opened: bytes a writer adds
            # meanwhile are the next reading's, which then starts from whole lines.
            window = _Window(stat.st_size, stat.st_mtime_ns, start, hasher, self.first_new_line - 1)
            if suffix in JSONL_SUFFIXES:
                yield from parse_jsonl(window.lines(handle), self.zone, self.first_new_line)
                self.extent = window.extent()
            elif suffix in CSV_SUFFIXES:
                yield from self._csv(handle.read(stat.st_size - start), window)
            else:
                yield from self._seed(handle.read(), window)

    def _csv(self, raw: bytes, window: _Window) -> Iterator[Parsed]:
        if self.resume is not None:
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise CannotResume from None
            header = self.resume.extent.header
            reading = CsvReading(text, self.zone, list(header or ()), self.resume.extent.lines)
        else:
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as exc:
                line = raw[: exc.start].count(b"\n") + 1
                yield line, RecordError("undecodable bytes (not UTF-8)")
                self.extent = window.extent(resumable=False)
                return
            reading = CsvReading(text.lstrip("\ufeff"), self.zone)
        yield from reading.records()
        rest = reading.text[reading.complete_chars :].encode("utf-8", "surrogatepass")
        window.take(raw[: len(raw) - len(rest)], reading.complete_lines)
        header = None if reading.header is None else tuple(reading.header)
        self.extent = window.extent(header=header, resumable=header is not None)

    def _seed(self, raw: bytes, window: _Window) -> Iterator[Parsed]:
        window.take(raw, raw.count(b"\n"))
        self.extent = window.extent(resumable=False)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            yield line, RecordError("undecodable bytes (not UTF-8)")
            return
        try:
            yield 1, parse_seed_text(self.path, text, self.zone)
        except RecordError as exc:
            yield 1, exc


class _Window:
    """The bytes of one reading: from ``start`` to the size the file had when opened."""

    def __init__(self, size: int, mtime_ns: int, start: int, hasher: Any, lines: int) -> None:
        self.size, self.mtime_ns, self.indexed, self.hasher = size, mtime_ns, start, hasher
        self.complete_lines = lines

    def lines(self, handle: IO[bytes]) -> Iterator[bytes]:
        """The window's lines; whole ones are hashed and counted as they pass."""
        left = self.size - self.indexed
        for line in handle:
            if len(line) > left:
                line = line[:left]
            left -= len(line)
            if line.endswith(b"\n"):
                self.take(line, self.complete_lines + 1)
            if line:
                yield line
            if left <= 0:
                return

    def take(self, data: bytes, lines: int) -> None:
        self.hasher.update(data)
        self.indexed += len(data)
        self.complete_lines = lines

    def extent(self, *, header: tuple[str, ...] | None = None, resumable: bool = True) -> Extent:
        digest, racy = self.hasher.hexdigest(), is_racy(self.mtime_ns)
        return Extent(
            self.size,
            self.mtime_ns,
            self.indexed,
            digest,
            self.complete_lines,
            header,
            resumable,
            racy,
        )


def is_racy(mtime_ns: int) -> bool:
    """Whether a file modified at ``mtime_ns`` may change again without its time changing."""
    return mtime_ns > time.time_ns() - RACY_NS
