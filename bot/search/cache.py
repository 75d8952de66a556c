"""Keep a built index (and the articles it was built from) on disk between runs.

Deciding when to use an entry and when to build one is ``bot.snapshot``'s;
this module only writes and reads entries.

A cache entry is a folder named after the archive's fingerprint: plain numpy
arrays loaded with ``mmap_mode`` and one UTF-8 blob of bodies, so a warm start
reads what it needs without parsing the archive or rebuilding anything. It is
written to a temporary folder and renamed, so a crash never leaves half an entry.
"""

from __future__ import annotations

import logging
import re
import shutil
import sys
import tempfile
from array import array
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import numpy as np
import orjson
from filelock import FileLock

from bot.archive import Article, Problem
from bot.archive.bodies import BodyFile, StoredText
from bot.heap import collection_paused
from bot.search.fuzzy import FuzzyIndex
from bot.search.index import SearchIndex
from bot.search.postings import Postings
from bot.search.sounds import SoundIndex

log = logging.getLogger(__name__)

CACHE_VERSION = 8  # 8: story groups; twins with another headline kept
_ARRAYS = ("offsets", "docs", "parts", "in_title", "idf", "title_offsets", "title_docs")
_ENTRY_NAME = re.compile(r"v\d+-[0-9a-f]{32}")


def entry_for(cache_dir: Path, key: str) -> Path:
    """Where the cache keeps the index of the archive whose fingerprint is ``key``."""
    return Path(cache_dir) / f"v{CACHE_VERSION}-{key}"


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


def save(index: SearchIndex, problems: Sequence[Problem], entry: Path) -> None:
    entry.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=entry.parent))
    try:
        _write(index, problems, staging)
        for old in entry.parent.iterdir():  # one archive, one entry: don't grow forever
            if _ENTRY_NAME.fullmatch(old.name):  # older versions' entries too
                shutil.rmtree(old, ignore_errors=True)
        staging.rename(entry)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write(index: SearchIndex, problems: Sequence[Problem], folder: Path) -> None:
    postings, fuzzy = index.postings, index.fuzzy
    for name in _ARRAYS:
        np.save(folder / f"{name}.npy", getattr(postings, name))
    np.save(folder / "fuzzy_keys.npy", fuzzy.keys)
    np.save(folder / "fuzzy_terms.npy", fuzzy.term_ids)
    sounds, groups = index.sounds, index.groups
    assert sounds is not None and groups is not None  # SearchIndex fills both in
    np.save(folder / "sound_keys.npy", sounds.keys)
    np.save(folder / "sound_terms.npy", sounds.term_ids)
    np.save(folder / "groups.npy", groups)
    (folder / "terms.txt").write_text("\n".join(postings.terms), encoding="utf-8")
    ends = array("q")
    end = 0
    with (folder / "bodies.bin").open("wb") as out:  # one body at a time: never all in memory
        for article in index.articles:
            end += out.write(article.encoded_body())
            ends.append(end)
    np.save(folder / "body_ends.npy", np.frombuffer(ends, dtype=np.int64))
    meta = {
        "version": CACHE_VERSION,
        "articles": [
            [a.id, a.published.isoformat(), a.source, a.title, a.url] for a in index.articles
        ],
        "aliases": dict(index.aliases),
        "problems": [[p.path, p.line, p.reason] for p in problems],
    }
    (folder / "meta.json").write_bytes(orjson.dumps(meta))


def _mapped(path: Path) -> np.ndarray:
    """The file's array, memory-mapped, as a plain ndarray.

    ``np.memmap`` slices run Python-level hooks on every slice; queries slice
    postings thousands of times, so the subclass cost a fifth of query time.
    """
    return np.load(path, mmap_mode="r").view(np.ndarray)


@collection_paused()
def load(folder: Path) -> tuple[SearchIndex, list[Problem]]:
    meta = orjson.loads((folder / "meta.json").read_bytes())
    if meta.get("version") != CACHE_VERSION:
        raise ValueError("cache written by another version")
    arrays = {name: _mapped(folder / f"{name}.npy") for name in _ARRAYS}
    terms_text = (folder / "terms.txt").read_text(encoding="utf-8")
    postings = Postings(terms=terms_text.split("\n") if terms_text else [], **arrays)
    fuzzy = FuzzyIndex(
        _mapped(folder / "fuzzy_keys.npy"),
        _mapped(folder / "fuzzy_terms.npy"),
    )
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
    problems = [Problem(path, line, reason) for path, line, reason in meta["problems"]]
    sounds = SoundIndex(
        _mapped(folder / "sound_keys.npy"),
        _mapped(folder / "sound_terms.npy"),
    )
    groups = _mapped(folder / "groups.npy")
    return SearchIndex(articles, postings, fuzzy, meta["aliases"], sounds, groups), problems
