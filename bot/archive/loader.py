"""Find archive files, parse them in whatever format they are, and report what was skipped."""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path

from tqdm import tqdm

from bot.archive.admission import Admission
from bot.archive.bodies import BodyFile
from bot.archive.ledger import FileRecord, Ledger
from bot.archive.model import Article
from bot.archive.problems import Problem
from bot.archive.scan import KNOWN_SUFFIXES, Reading

log = logging.getLogger(__name__)

FORMAT_VERSION = "2"  # 2: hostile records refused, urls cleaned, BOMs on any JSONL line
LOG_EVERY = 10_000


@dataclass
class LoadReport:
    articles: list[Article] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    # Ids of exact duplicates that were dropped -> the id of the copy that was kept,
    # so a link or query naming either copy still finds the article.
    aliases: dict[str, str] = field(default_factory=dict)
    # Ids of exact duplicates kept because their headline differs -> the id of the
    # first copy: each headline stays searchable, and search shows them as one story.
    twins: dict[str, str] = field(default_factory=dict)
    # Per article, the key of the file it came from (see bot.archive.ledger).
    origins: list[str] = field(default_factory=list)
    ledger: Ledger = field(default_factory=lambda: Ledger(""))


def discover(paths: Sequence[str | Path]) -> tuple[list[Path], list[Problem]]:
    """Expand files, folders (recursively) and globs into a sorted list of archive files.

    Inside folders, files with unknown extensions are ignored (READMEs, images);
    a file named explicitly with an unknown extension is reported, and so are
    folders that cannot be read and archive files whose names are not UTF-8
    (an article id, a cache key and a log line are all text).
    """
    found: set[Path] = set()
    problems: list[Problem] = []
    for entry in map(str, paths):
        if glob.has_magic(entry):
            matches = [Path(m) for m in glob.glob(entry, recursive=True)]  # noqa: PTH207
        else:
            matches = [Path(entry)] if Path(entry).exists() else []
        if not matches:
            problems.append(Problem(entry, None, "no such file, folder or matching glob"))
        for match in matches:
            if match.is_dir():
                found.update(_archive_files(match, problems))
            elif match.suffix.lower() in KNOWN_SUFFIXES:
                found.add(match)
            elif not glob.has_magic(entry):
                problems.append(Problem(entry, None, f"unknown archive format {match.suffix!r}"))
    named, unnamed = [], []
    for path in found:
        (named if _is_text(str(path)) else unnamed).append(path)
    problems += [
        Problem(shown(path), None, "file name is not UTF-8; rename it") for path in unnamed
    ]
    return sorted(named), problems


def _archive_files(folder: Path, problems: list[Problem]) -> Iterator[Path]:
    """Archive files under ``folder``; each folder that cannot be listed becomes a problem."""

    def unreadable(error: OSError) -> None:
        problems.append(
            Problem(shown(error.filename), None, f"cannot read folder: {error.strerror}")
        )

    for root, _, names in os.walk(folder, onerror=unreadable):
        for name in names:
            path = Path(root, name)
            if path.suffix.lower() in KNOWN_SUFFIXES and path.is_file():
                yield path


def _is_text(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes, kept by the OS as lone surrogates
        return False
    return True


def shown(path: str | Path) -> str:
    """A path as printable text: bytes that are not UTF-8 as ``\\xff`` escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def fingerprint(files: Sequence[Path], zone: tzinfo) -> str:
    """Identify an archive's state cheaply: paths, sizes and modification times, plus the zone.

    Reading 10^6 articles' content just to decide whether the cache is fresh
    would cost more than the warm start it protects.
    """
    digest = hashlib.sha256(reading_of(zone).encode())
    for path in files:
        try:
            stat = path.stat()
        except OSError:  # gone since it was found: reading it will say so
            digest.update(f"|{shown(path)}|gone".encode())
            continue
        digest.update(f"|{shown(path.resolve())}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


def spool(folder: Path | None) -> BodyFile | None:
    """Somewhere to put bodies while loading: ``folder``, else the temporary folder.

    Where neither can be written (a read-only machine), bodies stay in memory:
    a bigger process is better than none.
    """
    for candidate in dict.fromkeys([folder, None]):
        try:
            return BodyFile.spool(candidate)
        except OSError as exc:
            log.warning("Cannot keep article bodies in %s: %s", candidate or "the temp folder", exc)
    return None


class _Progress:
    """A tqdm bar on a terminal, plain log lines otherwise (and never on stdout)."""

    def __init__(self, *, enabled: bool | None) -> None:
        self.tty = sys.stderr.isatty() if enabled is None else enabled
        self.bar = tqdm(
            desc="Loading archive", unit=" articles", file=sys.stderr, disable=not self.tty
        )
        self.count = 0

    def advance(self) -> None:
        self.count += 1
        self.bar.update()
        if not self.tty and self.count % LOG_EVERY == 0:
            log.info("Loaded %d articles so far", self.count)

    def close(self) -> None:
        self.bar.close()


def load_archive(
    paths: Sequence[str | Path],
    zone: tzinfo = UTC,
    *,
    progress: bool | None = None,
    spool_dir: Path | None = None,
    loaded: Callable[[Sequence[Article]], None] | None = None,
) -> LoadReport:
    """Load every article under ``paths``; bad files and records become problems, not errors.

    Bodies go to a nameless file in ``spool_dir`` (the system's temporary
    folder by default) as they are read, so loading 10^6 articles never holds
    their text in memory. ``loaded`` is called with the articles so far each
    time one is added (a cold build counts batches while the rest is read).
    """
    files, problems = discover(paths)
    ledger = Ledger(reading_of(zone))
    report = LoadReport(problems=problems, files=files, ledger=ledger)
    admission = Admission(spool(spool_dir))
    bar = _Progress(enabled=progress)
    try:
        for path in files:
            record = FileRecord(str(path), ledger.new_key(), None)
            for article in admission.read(record, Reading(path, zone)):
                report.articles.append(article)
                report.origins.append(record.key)
                bar.advance()
                if loaded is not None:
                    loaded(report.articles)
            ledger.records[record.path] = record
            report.problems += [Problem(record.path, line, why) for line, why in record.problems]
            report.aliases.update(record.aliases)
            report.twins.update(record.twins)
    finally:
        bar.close()
    log.info(
        "Loaded %d articles from %d files (%d problems)",
        len(report.articles),
        len(files),
        len(report.problems),
    )
    return report


def reading_of(zone: tzinfo) -> str:
    """How an archive was read: the parsers' version and the zone of naive timestamps.

    Another reading gives other articles from the same bytes, so a ledger of
    another reading cannot be updated, only replaced.
    """
    return f"v{FORMAT_VERSION}|{zone}"
