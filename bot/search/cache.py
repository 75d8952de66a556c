"""Keep a built index (and the articles it was built from) on disk between runs.

Deciding when to use the cache and when to build is ``bot.snapshot``'s;
this module only writes and reads it.

The cache folder (``folder_for``) holds one folder per segment (plain numpy
arrays loaded with ``mmap_mode``, the articles' records as columns and one
UTF-8 blob of bodies (``bot.search.table``), so a warm start maps what it
needs without parsing the archive or making an object per article), the deleted-document
sets and story links as small files named by their content, and
``manifest.json``, which names the live segments in order, each with its
deleted set, and what else the index needs (aliases, load problems, the
archive key), and the provenance file: what the archive's change detection
records (its ledger, opaque here), read only by an update
(:func:`read_provenance`), never by :func:`load`, so a serving index does not
hold it. A segment's folder is written once, under a temporary name then
renamed; an update writes only its new files and then replaces the manifest
with ``os.replace``, so a crash (kill -9) at any moment leaves the old
manifest or the new one, each naming complete files. Files no manifest names
are removed after the swap. Writers hold :func:`builder_lock`.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import orjson
from filelock import FileLock, Timeout

from bot.archive import Problem
from bot.heap import collection_paused
from bot.search import table
from bot.search.fuzzy import FuzzyIndex
from bot.search.index import SearchIndex
from bot.search.postings import Postings
from bot.search.segment import Segment
from bot.search.sounds import SoundIndex
from bot.search.table import ArticleTable, mapped

log = logging.getLogger(__name__)

CACHE_VERSION = 13  # 13: provenance bytes, not in the index; 12: article tables; 11: its file
_ARRAYS = ("offsets", "docs", "codes", "in_title", "title_offsets", "title_docs", "lengths")
_OLD_ENTRY = re.compile(r"v\d+-[0-9a-f]{32}|index-v\d+")  # earlier versions' folders
MANIFEST = "manifest.json"
WAIT_LOGGED = 60.0  # seconds between the lines saying a cache lock is still awaited
MERGE_LOCK = "merge.lock"  # in the cache folder, beside build.lock
MERGED = "merged.json"  # in a merged segment's folder: what it was merged from


def folder_for(cache_dir: Path) -> Path:
    """The folder of ``cache_dir`` that holds the index (one archive per cache folder)."""
    return Path(cache_dir) / f"index-v{CACHE_VERSION}"


def key_of(folder: Path) -> str | None:
    """The archive key the cached index was saved with; None without a readable manifest."""
    try:
        manifest = orjson.loads((folder / MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return None
    if not isinstance(manifest, dict) or manifest.get("version") != CACHE_VERSION:
        return None
    key = manifest.get("key")
    return key if isinstance(key, str) else None


def builder_lock(cache_dir: Path) -> AbstractContextManager[None]:
    """One builder per cache folder at a time, across processes (a lock file in the folder).

    Without a writable folder there is no cache to share, and no lock: build alone.
    """
    return _locked(Path(cache_dir), "build.lock")


def merge_lock(cache_dir: Path) -> AbstractContextManager[None]:
    """One merger per cache folder at a time, across processes (``merge.lock``).

    Separate from :func:`builder_lock`, which a merge takes only to write: an
    update need not wait for a merge's minutes of work, and the processes of a
    machine merge their shared segments once, the others waiting here and then
    adopting what was merged (``bot.search.offload``).
    """
    return _locked(Path(cache_dir), MERGE_LOCK)


def lock_file(cache_dir: Path, name: str) -> FileLock:
    """The lock ``name`` of ``cache_dir``, not taken yet; any thread of this process may
    release it (a merge waits for it in worker threads)."""
    Path(cache_dir).mkdir(parents=True, exist_ok=True)
    return FileLock(Path(cache_dir) / name, thread_local=False)


@contextmanager
def _locked(cache_dir: Path, name: str) -> Iterator[None]:
    try:
        lock = lock_file(cache_dir, name)
        while True:  # a finite wait: filelock refuses an endless one on a lock this process holds
            try:
                lock.acquire(timeout=WAIT_LOGGED)
                break
            except Timeout:
                log.info("Still waiting for %s, held elsewhere", lock.lock_file)
    except OSError as exc:
        log.warning("Cannot lock the index cache in %s (%s); going alone", cache_dir, exc)
        yield
        return
    try:
        yield
    finally:
        lock.release()


class Provenance(Protocol):
    """What the archive's change detection keeps with the index (``bot.archive.ledger``'s
    ledger): bytes to this module, written to a file of their own."""

    def write(self, out: io.BufferedWriter) -> None: ...


def save(
    index: SearchIndex,
    problems: Sequence[Problem],
    folder: Path,
    key: str = "",
    provenance: str | None = None,
) -> None:
    """Make ``index`` the cached one: write what the folder lacks, then swap the manifest.

    Segments already in the folder (an update of a cached index shares them)
    are not written again. ``provenance`` names the file of ``folder`` that
    :func:`write_provenance` wrote for it (None: it has none). Call it holding
    :func:`builder_lock`.
    """
    parts = Parts(index.segments, index.deleted, index.links, index.aliases)
    save_parts(parts, problems, folder, key, provenance)


@dataclass(frozen=True)
class Parts:
    """What a manifest names: an index's segments and the rest, without the index made of them.

    A cold build saves these without ever making the index in memory.
    """

    segments: Sequence[Segment]
    deleted: Sequence[np.ndarray | None]
    links: np.ndarray
    aliases: Mapping[str, str]


def save_parts(
    parts: Parts,
    problems: Sequence[Problem],
    folder: Path,
    key: str = "",
    provenance: str | None = None,
) -> None:
    """:func:`save` of an index's parts."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.parent.iterdir():  # one archive, one index: don't grow forever
        if old != folder and _OLD_ENTRY.fullmatch(old.name):
            shutil.rmtree(old, ignore_errors=True)
    entries = []
    for segment, deleted in zip(parts.segments, parts.deleted, strict=True):
        if not (folder / segment.name / "meta.json").is_file():
            write_segment(segment, folder)
        entries.append(
            {
                "name": segment.name,
                "deleted": None if deleted is None else _blob(folder, "deleted", deleted),
            }
        )
    manifest = {
        "version": CACHE_VERSION,
        "key": key,
        "segments": entries,
        "links": _blob(folder, "links", parts.links),
        "aliases": dict(parts.aliases),
        "problems": [[p.path, p.line, p.reason] for p in problems],
        # The change detection's ledger (tens of MB at 10^6 articles) lives in a file
        # of its own, read only by an update: the manifest stays small, and reading
        # its key or segments costs milliseconds.
        "provenance": provenance,
    }
    staging = folder / f".{MANIFEST}.{os.getpid()}"
    with staging.open("wb") as out:
        out.write(orjson.dumps(manifest))
        out.flush()
        os.fsync(out.fileno())
    staging.replace(folder / MANIFEST)  # atomic: readers see the old manifest or this one
    _sweep(
        folder,
        {e["name"] for e in entries}
        | {e["deleted"] for e in entries if e["deleted"]}
        | {manifest["links"], MANIFEST}
        | ({provenance} if provenance else set()),
    )


def write_provenance(folder: Path, provenance: Provenance) -> str:
    """Write ``provenance`` to a new file of ``folder``, streamed (never whole in memory);
    return its name, for :func:`save_parts`.

    Written under a temporary name, then renamed: a crash leaves no file a
    manifest names half-written. Until a manifest names it, the next save's
    sweep removes it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    name = f"provenance-{uuid.uuid4().hex}.bin"
    staging = folder / f".{name}"
    with staging.open("wb") as out:
        provenance.write(out)
    staging.replace(folder / name)
    return name


def read_provenance(folder: Path) -> bytes | None:
    """What :func:`save` kept as the cached index's provenance; None when it has none."""
    manifest = orjson.loads((folder / MANIFEST).read_bytes())
    if manifest.get("version") != CACHE_VERSION:
        raise ValueError("cache written by another version")
    name = manifest.get("provenance")
    return None if name is None else (folder / name).read_bytes()


def save_merged(before: SearchIndex, after: SearchIndex, cache_dir: Path) -> bool:
    """Save ``after``, ``before`` with segments merged, if the cache still holds ``before``.

    Another process may have saved a newer index meanwhile (a cluster shares
    one cache); then the merge is kept in memory only. The archive key and
    load problems stay the manifest's. Takes :func:`builder_lock` itself.
    """
    folder = folder_for(cache_dir)
    with builder_lock(cache_dir):
        try:
            manifest = orjson.loads((folder / MANIFEST).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return False
        held = [(e.get("name"), e.get("deleted")) for e in manifest.get("segments", [])]
        if manifest.get("version") != CACHE_VERSION or held != entries(before):
            return False
        problems = [Problem(path, line, reason) for path, line, reason in manifest["problems"]]
        parts = Parts(after.segments, after.deleted, after.links, after.aliases)
        save_parts(parts, problems, folder, manifest["key"], manifest["provenance"])  # the same
        return True


def entries(index: SearchIndex) -> list[tuple[str, str | None]]:
    """Each segment's name and deleted-set file, as a manifest names them."""
    return [
        (segment.name, None if deleted is None else _blob_name("deleted", deleted))
        for segment, deleted in zip(index.segments, index.deleted, strict=True)
    ]


def manifest_segments(folder: Path) -> list[str]:
    """The names of the segments the folder's manifest holds (none without a manifest)."""
    try:
        manifest = orjson.loads((folder / MANIFEST).read_bytes())
        return [entry["name"] for entry in manifest["segments"]]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
        return []


def write_merged(
    segment: Segment,
    folder: Path,
    sources: Sequence[tuple[str, str | None]],
    staging: Path | None = None,
) -> None:
    """Write a merged segment's folder, recording what it was merged from (``merged.json``).

    ``sources`` are the merged segments' manifest entries (name, deleted-set
    file): another process serving those same entries can adopt the segment
    (:func:`merged_from`) instead of merging them again. The pid says which
    process did the work. ``staging`` holds the postings a merge wrote (from
    :func:`merging_folder`). Call it holding :func:`builder_lock`, so that no
    save sweeps the folder away while it is renamed; it is swept as a leftover
    until a manifest names it.
    """
    record = {
        "sources": [list(entry) for entry in sources],
        "pid": os.getpid(),
    }
    write_segment(segment, folder, staging, merged=record)


def merging_folder(folder: Path) -> Path:
    """A staging folder for a merge that runs without the builder lock.

    A save's sweep spares it while the process that made it lives (its pid is
    in the name), and removes it once that process is gone.
    """
    return staging_folder(folder, prefix=f".merging-{os.getpid()}-")


def merged_from(segment_folder: Path) -> list[tuple[str, str | None]] | None:
    """The manifest entries a merged segment was made from; None for a segment not merged."""
    try:
        record = orjson.loads((segment_folder / MERGED).read_bytes())
        return [(name, deleted) for name, deleted in record["sources"]]
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError):
        return None


def _blob_name(kind: str, data: np.ndarray) -> str:
    digest = hashlib.blake2b(data.tobytes(), digest_size=12)
    digest.update(f"{data.dtype.str}{data.shape}".encode())
    return f"{kind}-{digest.hexdigest()}.npy"


def _blob(folder: Path, kind: str, array: np.ndarray) -> str:
    """Write ``array`` as a file named by its content (once), and return the name."""
    data = np.ascontiguousarray(array)
    name = _blob_name(kind, data)
    if not (folder / name).is_file():
        staging = folder / f".{name}.{os.getpid()}"
        with staging.open("wb") as out:  # a handle: np.save would add ".npy" to a name
            np.save(out, data)
        staging.replace(folder / name)
    return name


def _sweep(folder: Path, kept: set[str]) -> None:
    """Remove what the manifest does not name: replaced segments, old sets, a crash's leftovers.

    A process still serving an older index keeps its memory-mapped files:
    removing a file's name does not take it from those that have it open.
    """
    for entry in folder.iterdir():
        if entry.name in kept or _merging_now(entry.name):
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


_MERGING = re.compile(r"\.merging-(\d+)-.*")


def _merging_now(name: str) -> bool:
    """Whether ``name`` is the staging folder of a merge whose process still runs."""
    if (match := _MERGING.fullmatch(name)) is None:
        return False
    try:
        os.kill(int(match[1]), 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def staging_folder(folder: Path, prefix: str = ".building-") -> Path:
    """A new folder in ``folder`` to write a segment in before it is renamed to its name.

    Named so that the next save's sweep removes it if a crash leaves it behind.
    """
    folder.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=folder))


def write_segment(
    segment: Segment, folder: Path, staging: Path | None = None, merged: dict | None = None
) -> None:
    """Write ``segment`` to its folder in ``folder``, through a staging folder then a rename.

    With ``staging`` (from :func:`staging_folder`), its postings are already
    written there (:func:`write_postings`, or a merge's) and the rest is added.
    ``merged`` is written as ``merged.json`` (see :func:`write_merged`).
    """
    written = staging is not None
    staging = staging or staging_folder(folder)
    try:
        if not written:
            write_postings(segment.postings, staging)
        _write(segment, staging)
        if merged is not None:
            (staging / MERGED).write_bytes(orjson.dumps(merged))
        staging.rename(folder / segment.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_postings(postings: Postings, folder: Path) -> Postings:
    """Write ``postings``' arrays to ``folder``; the same postings, memory-mapped from there."""
    for name in _ARRAYS:
        np.save(folder / f"{name}.npy", getattr(postings, name))
    return Postings(postings.terms, **{name: mapped(folder / f"{name}.npy") for name in _ARRAYS})


def write_terms(postings: Postings, folder: Path) -> None:
    """Write ``postings``' terms to ``folder``: with :func:`write_postings`, all of them."""
    (folder / "terms.txt").write_text("\n".join(postings.terms), encoding="utf-8")


def read_postings(folder: Path) -> Postings:
    """The postings :func:`write_postings` and :func:`write_terms` wrote, memory-mapped."""
    arrays = {name: mapped(folder / f"{name}.npy") for name in _ARRAYS}
    terms_text = (folder / "terms.txt").read_text(encoding="utf-8")
    return Postings(terms=terms_text.split("\n") if terms_text else [], **arrays)


def _write(segment: Segment, folder: Path) -> None:
    """Everything of a segment but its postings' arrays."""
    postings, fuzzy, sounds = segment.postings, segment.fuzzy, segment.sounds
    np.save(folder / "fuzzy_keys.npy", fuzzy.keys)
    np.save(folder / "fuzzy_terms.npy", fuzzy.term_ids)
    np.save(folder / "sound_keys.npy", sounds.keys)
    np.save(folder / "sound_terms.npy", sounds.term_ids)
    if segment.origins is not None:
        np.save(folder / "origins.npy", segment.origins)
    for name in Segment.STORED:
        np.save(folder / f"{name}.npy", getattr(segment, name))
    write_terms(postings, folder)
    table.write(segment.articles, folder)
    with (folder / "meta.json").open("wb") as out:  # written last: the folder is whole
        out.write(orjson.dumps({"version": CACHE_VERSION, "files": list(segment.files)}))


@collection_paused()
def load(folder: Path) -> tuple[SearchIndex, list[Problem]]:
    """The index the folder's manifest names, memory-mapped, and the problems saved with it."""
    manifest = orjson.loads((folder / MANIFEST).read_bytes())
    if manifest.get("version") != CACHE_VERSION:
        raise ValueError("cache written by another version")
    segments, deleted = [], []
    for entry in manifest["segments"]:
        segment = read_segment(folder / entry["name"])
        segments.append(segment)
        marks = None if entry["deleted"] is None else np.load(folder / entry["deleted"])
        if marks is not None and len(marks) != len(segment):
            raise ValueError(f"deleted set of {entry['name']} does not fit it")
        deleted.append(marks)
    problems = [Problem(path, line, reason) for path, line, reason in manifest["problems"]]
    index = SearchIndex(
        segments,
        deleted=deleted,
        aliases=manifest["aliases"],
        links=np.load(folder / manifest["links"]),
    )
    return index, problems


def read_segment(folder: Path) -> Segment:
    """The segment saved in ``folder``, its arrays and article table memory-mapped."""
    meta = orjson.loads((folder / "meta.json").read_bytes())
    if meta.get("version") != CACHE_VERSION:
        raise ValueError("segment written by another version")
    postings = read_postings(folder)
    fuzzy = FuzzyIndex(mapped(folder / "fuzzy_keys.npy"), mapped(folder / "fuzzy_terms.npy"))
    sounds = SoundIndex(mapped(folder / "sound_keys.npy"), mapped(folder / "sound_terms.npy"))
    origins = np.load(folder / "origins.npy") if (folder / "origins.npy").is_file() else None
    stored = {
        name: mapped(folder / f"{name}.npy")
        for name in Segment.STORED
        if (folder / f"{name}.npy").is_file()
    }
    articles = ArticleTable.open(folder)
    return Segment(
        articles, postings, fuzzy, sounds, tuple(meta["files"]), origins, folder.name, stored
    )
