"""Find what changed in the archive since its ledger was written, and read only that.

Each file found now is compared with its :class:`~bot.archive.ledger.FileRecord`:

- unchanged: same size and modification time (nothing is read);
- grown: a JSONL or CSV file whose indexed bytes still hash the same: only
  what follows them is read (a last line completed since counts as new);
- changed: anything else; its articles are retired and it is read whole;
- new, or renamed: a new path whose bytes are a removed file's (same hash;
  same stem for a seed text, whose stem is its article's id): its articles
  stay, under the new path;
- removed: its articles are retired.

The result equals a full load's (tests/archive/test_changes.py): problems
keep their line numbers, and the duplicate rules of
:mod:`bot.archive.admission` hold across kept and new articles. Where a full
load would decide one of them differently (a kept file whose article a new
file now repeats first, or whose first copy of a text is gone), that kept
file is read again too.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from enum import StrEnum
from pathlib import Path

from bot.archive.admission import Admission, Indexed
from bot.archive.ledger import FileRecord, Ledger
from bot.archive.loader import discover, reading_of, spool
from bot.archive.model import Article
from bot.archive.problems import Problem
from bot.archive.scan import (
    SEED_SUFFIXES,
    CannotResume,
    Reading,
    Resume,
    is_racy,
    prefix_hasher,
)

log = logging.getLogger(__name__)


class Kind(StrEnum):
    UNCHANGED = "unchanged"
    NEW = "new"
    GROWN = "grown"
    CHANGED = "changed"
    REMOVED = "removed"
    RENAMED = "renamed"


@dataclass
class Change:
    """One archive file's state against its record (None for a new file)."""

    kind: Kind
    path: str  # where the file is now; a removed file's last path
    record: FileRecord | None = None
    resume: Resume | None = None  # grown: where to read on from


def find_changes(ledger: Ledger, files: Sequence[Path]) -> list[Change]:
    """Each file of ``files`` and each file of ``ledger`` classified (see the module's doc)."""
    found = {str(path): path for path in files}
    changes, appeared = [], []
    for name, path in found.items():
        record = ledger.records.get(name)
        if record is None:
            appeared.append(path)
        else:
            changes.append(_compare(path, record))
    gone = [record for name, record in ledger.records.items() if name not in found]
    linked = {key for record in ledger.records.values() for key in record.links}
    aliased = {alias for record in ledger.records.values() for alias in record.aliases}
    for path in appeared:
        was = _renamed_from(path, gone, linked | aliased)
        if was is None:
            changes.append(Change(Kind.NEW, str(path)))
        else:
            gone.remove(was)
            changes.append(Change(Kind.RENAMED, str(path), was))
    changes += [Change(Kind.REMOVED, record.path, record) for record in gone]
    return changes


def _compare(path: Path, record: FileRecord) -> Change:
    extent = record.extent
    try:
        stat = path.stat()
    except OSError:  # gone since it was found: reading it says so
        return Change(Kind.CHANGED, str(path), record)
    if extent is None:
        return Change(Kind.CHANGED, str(path), record)
    now = (stat.st_size, stat.st_mtime_ns)
    if now == (extent.size, extent.mtime_ns) and not extent.racy:
        return Change(Kind.UNCHANGED, str(path), record)
    same_size = stat.st_size == extent.size == extent.indexed
    if (extent.resumable and not record.tail and stat.st_size >= extent.indexed) or same_size:
        hasher = prefix_hasher(path, extent.indexed)
        if hasher.hexdigest() == extent.digest:
            if same_size:  # touched, or written again with the same bytes
                seen = replace(extent, mtime_ns=stat.st_mtime_ns, racy=is_racy(stat.st_mtime_ns))
                return Change(Kind.UNCHANGED, str(path), replace(record, extent=seen))
            if extent.resumable and not record.tail:
                return Change(Kind.GROWN, str(path), record, Resume(extent, hasher))
    return Change(Kind.CHANGED, str(path), record)


def _renamed_from(path: Path, gone: list[FileRecord], tied: set[str]) -> FileRecord | None:
    """The removed file whose bytes ``path`` has, if renaming changes nothing else.

    Not when the duplicate rules tied it to another file (``tied``: the keys
    files link to, and the ids dropped as copies): its place in file order
    decides which copy is first, so it is read anew instead.
    """
    try:
        size = path.stat().st_size
    except OSError:
        return None
    candidates = [
        record
        for record in gone
        if record.extent is not None
        and record.extent.size == record.extent.indexed == size
        and Path(record.path).suffix.lower() == path.suffix.lower()
        and (path.suffix.lower() not in SEED_SUFFIXES or Path(record.path).stem == path.stem)
        and not record.links
        and not record.aliases
        and record.key not in tied
        and tied.isdisjoint(record.ids)
    ]
    if not candidates:
        return None
    digest = prefix_hasher(path, size).hexdigest()
    return next((r for r in candidates if r.extent and r.extent.digest == digest), None)


@dataclass
class Update:
    """What reading the archive's changes gave.

    ``articles`` are new (``origins`` names each one's file key); the
    articles of the files keyed in ``retired`` leave the index; ``ledger``
    describes the archive after the update.
    """

    ledger: Ledger
    changes: list[Change]
    found: list[Problem]  # discover's: paths that match nothing, names that are not UTF-8
    articles: list[Article] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)
    retired: dict[str, int] = field(default_factory=dict)  # file key -> its articles
    read: list[str] = field(default_factory=list)  # paths read, whole or in part

    @property
    def problems(self) -> list[Problem]:
        return [*self.found, *self.ledger.problems()]

    @property
    def removed(self) -> int:
        """How many indexed articles left the index (some may be back among ``articles``)."""
        return sum(self.retired.values())

    @property
    def unchanged(self) -> bool:
        return not self.articles and not self.retired

    def summary(self) -> str:
        """``+1,000 articles from 1 file, 0 removed``: what the update did."""
        files = len(set(self.origins))
        return (
            f"+{len(self.articles):,} article{'s' * (len(self.articles) != 1)} "
            f"from {files:,} file{'s' * (files != 1)}, {self.removed:,} removed"
        )


class LedgerMismatch(ValueError):
    """The ledger was written for another reading (parsers' version or zone): rebuild."""


def load_changes(
    ledger: Ledger,
    paths: Sequence[str | Path],
    zone: tzinfo,
    *,
    indexed: Indexed,
    spool_dir: Path | None = None,
) -> Update:
    """Read what changed under ``paths`` since ``ledger``; ``ledger`` itself is left as it was.

    ``indexed`` is the index built from what ``ledger`` describes, its
    articles' files named by the ledger's keys: a new article whose id or
    text may repeat a kept one is compared with it there. Raises
    :class:`LedgerMismatch` when the archive must be read whole, and
    LookupError when the index lacks an article the ledger lists.
    """
    if ledger.reading != reading_of(zone):
        raise LedgerMismatch(f"archive read as {ledger.reading!r}, now {reading_of(zone)!r}")
    files, found = discover(paths)
    changes = find_changes(ledger, files)
    whole = {c.path for c in changes if c.kind in (Kind.NEW, Kind.CHANGED)}
    while True:
        _spread(ledger, changes, whole)
        update = _attempt(ledger, changes, whole, zone, indexed, spool_dir)
        if isinstance(update, set):  # files to read whole as well; then try again
            whole |= update
            continue
        update.found = found
        return update


def _spread(ledger: Ledger, changes: list[Change], whole: set[str]) -> None:
    """Add to ``whole`` each kept file whose duplicate decisions named a file that goes."""
    present = {c.path for c in changes if c.kind is not Kind.REMOVED}
    while True:
        going = {c.record.key for c in changes if c.record and c.kind is Kind.REMOVED}
        going |= {ledger.records[path].key for path in whole if path in ledger.records}
        more = {
            record.path
            for record in ledger.records.values()
            if record.path in present and record.path not in whole and record.links & going
        }
        if not more:
            return
        whole |= more


def _attempt(
    ledger: Ledger,
    changes: list[Change],
    whole: set[str],
    zone: tzinfo,
    indexed: Indexed,
    spool_dir: Path | None,
) -> Update | set[str]:
    """One pass: the update, or the paths of more files that must be read whole first."""
    after = Ledger(ledger.reading, next_key=ledger.next_key)
    update = Update(after, changes, [])
    admission = Admission(spool(spool_dir), indexed)
    to_read: dict[str, Change] = {}
    for change in sorted(changes, key=lambda change: Path(change.path)):  # as a full load
        record = change.record
        if change.path in whole or change.kind is Kind.REMOVED:
            if record is not None:
                update.retired[record.key] = len(record.ids)
            if change.kind is not Kind.REMOVED:
                to_read[change.path] = change
            continue
        assert record is not None  # new files are all in ``whole``
        kept = _kept_part(record, change)
        admission.retain(kept)
        after.records[change.path] = kept
        if change.kind is Kind.GROWN:
            to_read[change.path] = change
    for path in sorted(to_read, key=Path):
        change = to_read[path]
        resume = None if path in whole else change.resume
        record = after.records[path] if resume else FileRecord(path, after.new_key(), None)
        try:
            for article in admission.read(record, Reading(Path(path), zone, resume)):
                update.articles.append(article)
                update.origins.append(record.key)
        except CannotResume:
            return {path}
        after.records[path] = record
        update.read.append(path)
    if admission.conflicts:
        return {r.path for r in after.records.values() if r.key in admission.conflicts}
    return update


def _kept_part(record: FileRecord, change: Change) -> FileRecord:
    """What stays of ``record``: all of it, under its new path when renamed; of a grown
    file, its whole lines, without the problems of a last line then unfinished.

    The ledger's own records are never changed: a grown file's is copied.
    """
    extent = record.extent
    if change.kind is Kind.RENAMED and extent is not None:
        with contextlib.suppress(OSError):  # gone again: the next update says so
            extent = replace(extent, mtime_ns=Path(change.path).stat().st_mtime_ns)
        return replace(record, path=change.path, extent=extent)
    if change.kind is Kind.GROWN and extent is not None:
        return replace(
            record.copy(),
            problems=[
                (n, why) for n, why in record.problems if n is not None and n <= extent.lines
            ],
        )
    return record
