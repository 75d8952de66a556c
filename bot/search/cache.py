"""Keep a built index (and the articles it was built from) on disk between runs.

Deciding when to use the cache and when to build is ``bot.snapshot``'s;
this module only writes and reads it.

The cache folder (``folder_for``) holds one folder per segment (plain numpy
arrays loaded with ``mmap_mode`` and one UTF-8 blob of bodies, so a warm
start reads what it needs without parsing the archive), the deleted-document
sets and story links as small files named by their content, and
``manifest.json``, which names the live segments in order, each with its
deleted set, and what else the index needs (aliases, load problems, the
archive key, and an opaque provenance dict the archive's change detection
fills in). A segment's folder is written once, under a temporary name then
renamed; an update writes only its new files and then replaces the manifest
with ``os.replace``, so a crash (kill -9) at any moment leaves the old
manifest or the new one, each naming complete files. Files no manifest names
are removed after the swap. Writers hold :func:`builder_lock`.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import sys
import tempfile
from array import array
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
from filelock import FileLock

from bot.archive import Article, Problem
from bot.archive.bodies import BodyFile, StoredText
from bot.heap import collection_paused
from bot.search.fuzzy import FuzzyIndex
from bot.search.index import SearchIndex
from bot.search.postings import Postings
from bot.search.segment import Segment
from bot.search.sounds import SoundIndex

log = logging.getLogger(__name__)

CACHE_VERSION = 10  # 10: segments under a manifest; 9: term counts and length norms
_ARRAYS = ("offsets", "docs", "codes", "in_title", "title_offsets", "title_docs", "lengths")
_OLD_ENTRY = re.compile(r"v\d+-[0-9a-f]{32}|index-v\d+")  # earlier versions' folders
MANIFEST = "manifest.json"
META_RUN = 10_000  # articles' rows written to meta.json at a time


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


@contextmanager
def builder_lock(cache_dir: Path) -> Iterator[None]:
    """One builder per cache folder at a time, across processes (a lock file in the folder).

    Without a writable folder there is no cache to share, and no lock: build alone.
    """
    try:
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
        lock = FileLock(Path(cache_dir) / "build.lock")
        lock.acquire()
    except OSError as exc:
        log.warning("Cannot lock the index cache in %s (%s); building alone", cache_dir, exc)
        yield
        return
    try:
        yield
    finally:
        lock.release()


def save(index: SearchIndex, problems: Sequence[Problem], folder: Path, key: str = "") -> None:
    """Make ``index`` the cached one: write what the folder lacks, then swap the manifest.

    Segments already in the folder (an update of a cached index shares them)
    are not written again. Call it holding :func:`builder_lock`.
    """
    save_parts(
        Parts(index.segments, index.deleted, index.links, index.aliases, index.provenance),
        problems,
        folder,
        key,
    )


@dataclass(frozen=True)
class Parts:
    """What a manifest names: an index's segments and the rest, without the index made of them.

    A cold build saves these without ever making the index in memory.
    """

    segments: Sequence[Segment]
    deleted: Sequence[np.ndarray | None]
    links: np.ndarray
    aliases: Mapping[str, str]
    provenance: Mapping[str, Any]


def save_parts(parts: Parts, problems: Sequence[Problem], folder: Path, key: str = "") -> None:
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
        "provenance": dict(parts.provenance),
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
        | {manifest["links"], MANIFEST},
    )


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
        if manifest.get("version") != CACHE_VERSION or held != _entries(before):
            return False
        problems = [Problem(path, line, reason) for path, line, reason in manifest["problems"]]
        save(after, problems, folder, manifest["key"])
        return True


def _entries(index: SearchIndex) -> list[tuple[str, str | None]]:
    """Each segment's name and deleted-set file, as a manifest names them."""
    return [
        (segment.name, None if deleted is None else _blob_name("deleted", deleted))
        for segment, deleted in zip(index.segments, index.deleted, strict=True)
    ]


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
        if entry.name in kept:
            continue
        if entry.is_dir():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


def staging_folder(folder: Path) -> Path:
    """A new folder in ``folder`` to write a segment in before it is renamed to its name.

    Named so that the next save's sweep removes it if a crash leaves it behind.
    """
    folder.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=".building-", dir=folder))


def write_segment(segment: Segment, folder: Path, staging: Path | None = None) -> None:
    """Write ``segment`` to its folder in ``folder``, through a staging folder then a rename.

    With ``staging`` (from :func:`staging_folder`), its postings are already
    written there (:func:`write_postings`, or a merge's) and the rest is added.
    """
    written = staging is not None
    staging = staging or staging_folder(folder)
    try:
        if not written:
            write_postings(segment.postings, staging)
        _write(segment, staging)
        staging.rename(folder / segment.name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def write_postings(postings: Postings, folder: Path) -> Postings:
    """Write ``postings``' arrays to ``folder``; the same postings, memory-mapped from there."""
    for name in _ARRAYS:
        np.save(folder / f"{name}.npy", getattr(postings, name))
    return Postings(postings.terms, **{name: _mapped(folder / f"{name}.npy") for name in _ARRAYS})


def _write(segment: Segment, folder: Path) -> None:
    """Everything of a segment but its postings' arrays."""
    postings, fuzzy, sounds = segment.postings, segment.fuzzy, segment.sounds
    np.save(folder / "fuzzy_keys.npy", fuzzy.keys)
    np.save(folder / "fuzzy_terms.npy", fuzzy.term_ids)
    np.save(folder / "sound_keys.npy", sounds.keys)
    np.save(folder / "sound_terms.npy", sounds.term_ids)
    if segment.origins is not None:
        np.save(folder / "origins.npy", segment.origins)
    (folder / "terms.txt").write_text("\n".join(postings.terms), encoding="utf-8")
    ends = array("q")
    end = 0
    with (folder / "bodies.bin").open("wb") as out:  # one body at a time: never all in memory
        for article in segment.articles:
            end += out.write(article.encoded_body())
            ends.append(end)
    np.save(folder / "body_ends.npy", np.frombuffer(ends, dtype=np.int64))
    with (folder / "meta.json").open("wb") as out:  # written last: the folder is whole
        # {"version": ..., "files": [...], "articles": [...]}, the rows a run at a
        # time: the whole list as one object would hold every row twice over.
        out.write(orjson.dumps({"version": CACHE_VERSION, "files": list(segment.files)})[:-1])
        out.write(b',"articles":[')
        articles = segment.articles
        for start in range(0, len(articles), META_RUN):
            rows = [
                [a.id, a.published.isoformat(), a.source, a.title, a.url]
                for a in articles[start : start + META_RUN]
            ]
            out.write(b"," * (start > 0) + orjson.dumps(rows)[1:-1])
        out.write(b"]}")


def _mapped(path: Path) -> np.ndarray:
    """The file's array, memory-mapped, as a plain ndarray.

    ``np.memmap`` slices run Python-level hooks on every slice; queries slice
    postings thousands of times, so the subclass cost a fifth of query time.
    """
    return np.load(path, mmap_mode="r").view(np.ndarray)


@collection_paused()
def load(folder: Path) -> tuple[SearchIndex, list[Problem]]:
    """The index the folder's manifest names, memory-mapped, and the problems saved with it."""
    manifest = orjson.loads((folder / MANIFEST).read_bytes())
    if manifest.get("version") != CACHE_VERSION:
        raise ValueError("cache written by another version")
    segments, deleted = [], []
    for entry in manifest["segments"]:
        segment = _read_segment(folder / entry["name"])
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
        provenance=manifest["provenance"],
    )
    return index, problems


def _read_segment(folder: Path) -> Segment:
    meta = orjson.loads((folder / "meta.json").read_bytes())
    if meta.get("version") != CACHE_VERSION:
        raise ValueError("segment written by another version")
    arrays = {name: _mapped(folder / f"{name}.npy") for name in _ARRAYS}
    terms_text = (folder / "terms.txt").read_text(encoding="utf-8")
    postings = Postings(terms=terms_text.split("\n") if terms_text else [], **arrays)
    fuzzy = FuzzyIndex(_mapped(folder / "fuzzy_keys.npy"), _mapped(folder / "fuzzy_terms.npy"))
    sounds = SoundIndex(_mapped(folder / "sound_keys.npy"), _mapped(folder / "sound_terms.npy"))
    bodies = BodyFile.open(folder / "bodies.bin")
    ends = np.load(folder / "body_ends.npy").tolist()
    starts = [0, *ends][: len(ends)]
    articles = [
        Article(
            id=row[0],
            published=datetime.fromisoformat(row[1]),
            source=sys.intern(row[2]),
            title=row[3],
            body=StoredText(bodies, start, end - start),
            url=row[4],
        )
        for row, start, end in zip(meta["articles"], starts, ends, strict=True)
    ]
    origins = np.load(folder / "origins.npy") if (folder / "origins.npy").is_file() else None
    return Segment(articles, postings, fuzzy, sounds, tuple(meta["files"]), origins, folder.name)
