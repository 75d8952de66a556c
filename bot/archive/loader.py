"""Find archive files, parse them in whatever format they are, and report what was skipped."""

from __future__ import annotations

import glob
import hashlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path

from tqdm import tqdm

from bot.archive.bodies import BodyFile
from bot.archive.duplicates import Duplicates
from bot.archive.exports import Parsed, parse_csv, parse_jsonl
from bot.archive.model import Article
from bot.archive.problems import Problem, RecordError, same_text_as
from bot.archive.seed_text import parse_seed_text

log = logging.getLogger(__name__)

FORMAT_VERSION = "2"  # 2: hostile records refused, urls cleaned, BOMs on any JSONL line
SEED_SUFFIXES = {".txt"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
CSV_SUFFIXES = {".csv"}
KNOWN_SUFFIXES = SEED_SUFFIXES | JSONL_SUFFIXES | CSV_SUFFIXES
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
    digest = hashlib.sha256(f"v{FORMAT_VERSION}|{zone}".encode())
    for path in files:
        try:
            stat = path.stat()
        except OSError:  # gone since it was found: reading it will say so
            digest.update(f"|{shown(path)}|gone".encode())
            continue
        digest.update(f"|{shown(path.resolve())}|{stat.st_size}|{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


def _parse_file(path: Path, zone: tzinfo) -> Iterator[tuple[int | None, Article | RecordError]]:
    try:
        yield from _parse_readable(path, zone)
    except OSError as exc:  # unreadable, or gone since it was found; the rest still loads
        yield None, RecordError(f"cannot read: {exc.strerror or exc}")


def _parse_readable(path: Path, zone: tzinfo) -> Iterator[Parsed]:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        with path.open("rb") as handle:
            yield from parse_jsonl(handle, zone)
        return
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        yield line, RecordError("undecodable bytes (not UTF-8)")
        return
    if suffix in CSV_SUFFIXES:
        yield from parse_csv(text, zone)
        return
    try:
        yield 1, parse_seed_text(path, text, zone)
    except RecordError as exc:
        yield 1, exc


def _spool(folder: Path | None) -> BodyFile | None:
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
) -> LoadReport:
    """Load every article under ``paths``; bad files and records become problems, not errors.

    Bodies go to a nameless file in ``spool_dir`` (the system's temporary
    folder by default) as they are read, so loading 10^6 articles never holds
    their text in memory.
    """
    files, problems = discover(paths)
    bodies = _spool(spool_dir)
    report = LoadReport(problems=problems, files=files)
    seen_ids: dict[str, str] = {}
    duplicates = Duplicates()
    bar = _Progress(enabled=progress)
    try:
        for path in files:
            for line, parsed in _parse_file(path, zone):
                if isinstance(parsed, RecordError):
                    report.problems.append(Problem(str(path), line, str(parsed)))
                    continue
                if parsed.id in seen_ids:
                    reason = f"duplicate id {parsed.id!r} (first in {seen_ids[parsed.id]})"
                    report.problems.append(Problem(str(path), line, reason))
                    continue
                key, original = duplicates.original_of(parsed)
                if original is not None and not same_headline(original, parsed):
                    report.twins[parsed.id] = original.id
                elif original is not None:
                    reason = same_text_as(original.id)
                    report.problems.append(Problem(str(path), line, reason))
                    report.aliases[parsed.id] = original.id
                    continue
                seen_ids[parsed.id] = str(path)
                if bodies is not None:
                    try:
                        parsed = parsed.stored_in(bodies)
                    except OSError as exc:  # disk full: keep the rest in memory
                        log.warning("Keeping article bodies in memory: %s", exc)
                        bodies = None
                duplicates.add(key, parsed)
                report.articles.append(parsed)
                bar.advance()
    finally:
        bar.close()
    log.info(
        "Loaded %d articles from %d files (%d problems)",
        len(report.articles),
        len(files),
        len(report.problems),
    )
    return report


def same_headline(one: Article, other: Article) -> bool:
    """Whether two headlines read the same, up to case and spacing."""
    return one.title.casefold().split() == other.title.casefold().split()
