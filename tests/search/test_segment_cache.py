"""The cache of a segmented index: a manifest swapped whole, so a crash leaves old or new."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from bot.archive.ledger import Ledger
from bot.archive.model import Article
from bot.search import cache
from bot.search.index import SearchIndex
from bot.search.segment import Segment


def batch(k: int, size: int) -> list[Article]:
    """``size`` articles, all holding the word ``batch{k}``, with some text to write."""
    start = datetime(2012, 1, 1, tzinfo=UTC) + timedelta(days=k)
    filler = " ".join(f"word{n % 97} market rally" for n in range(60))
    return [
        Article(
            f"b{k}-{n}",
            start + timedelta(minutes=n),
            "Wire",
            f"Batch{k} story {n}",
            f"batch{k} {filler}",
        )
        for n in range(size)
    ]


def seen(index: SearchIndex) -> list:
    return [
        [(h.article.id, h.score) for h in index.search(text, limit=20)]
        for text in ("batch0", "batch1 story", "markt rally", "story 3", "wor")
    ]


def test_per_article_columns_are_read_from_the_cache_not_derived_again(tmp_path):
    folder = cache.folder_for(tmp_path)
    articles = batch(0, 12)
    cache.save(SearchIndex.build(articles), [], folder, "key")
    (segment,) = cache.load(folder)[0].segments
    fresh = Segment.build(articles)
    for name in Segment.STORED:
        assert name in segment.stored
        assert getattr(segment, name) is segment.stored[name]
        assert getattr(segment, name).tolist() == getattr(fresh, name).tolist()


def test_a_saved_index_opens_as_it_was(tmp_path):
    folder = cache.folder_for(tmp_path)
    index = SearchIndex.build(batch(0, 20), files=["a.jsonl"] * 20)
    index = index.with_segment(batch(1, 10), files=["b.jsonl"] * 10)
    index = index.without(["b0-3"]).without(files=["b.jsonl"])
    ledger = cache.write_provenance(folder, Ledger("its reading"))
    cache.save(index, [], folder, "key", ledger)
    loaded, problems = cache.load(folder)
    assert problems == [] and cache.key_of(folder) == "key"
    assert seen(loaded) == seen(index)
    assert [a.id for a in loaded.articles] == [a.id for a in index.articles]
    # The ledger is kept in a file of its own, which only an update reads.
    assert orjson.loads((folder / cache.MANIFEST).read_bytes())["provenance"] == ledger
    assert Ledger.from_bytes(cache.read_provenance(folder)).reading == "its reading"
    assert loaded.file_of("b0-4") == "a.jsonl"
    # Deleting more writes a deleted set, not the segments again.
    written = {p.name: p.stat().st_ino for p in folder.iterdir() if p.is_dir()}
    cache.save(loaded.without(["b0-5"]), [], folder, "key", ledger)
    assert {p.name: p.stat().st_ino for p in folder.iterdir() if p.is_dir()} == written
    reloaded, _ = cache.load(folder)
    assert reloaded.get("b0-5") is None and reloaded.get("b0-6") is not None


def test_files_no_manifest_names_are_removed(tmp_path):
    folder = cache.folder_for(tmp_path)
    cache.save(SearchIndex.build(batch(0, 5)), [], folder)
    (folder / ".building-leftover").mkdir()
    (folder / ".manifest.json.123").write_text("{")
    replaced = SearchIndex.build(batch(1, 5))
    cache.save(replaced, [], folder)
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == [replaced.segments[0].name]
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]


WRITER = """
import sys
from pathlib import Path
from bot.archive.ledger import Ledger
from bot.search import cache
from bot.search.merge import MergePolicy, apply, merge
sys.path.insert(0, sys.argv[2])
from test_segment_cache import batch, updates

folder = Path(sys.argv[1])
policy = MergePolicy(factor=3, deleted_share=0.4, floor=400)
index, _ = cache.load(folder)
k = updates(index) + 1
while True:
    index = index.with_segment(batch(k, 400))
    if k % 3 == 0:
        index = index.without([f"b{k - 1}-{n}" for n in range(0, 400, 2)])
    ledger = cache.write_provenance(folder, Ledger(f"updates {k}"))
    cache.save(index, [], folder, provenance=ledger)
    print(k, flush=True)
    while (span := policy.plan(index)) is not None:
        index = apply(index, merge(index, *span))
        cache.save(index, [], folder, provenance=ledger)
        print(k, flush=True)
    k += 1
"""


def updates(index: SearchIndex) -> int:
    """How many of the writer's updates ``index`` holds: its last batch's number."""
    return max(int(a.id[1:].split("-")[0]) for a in index.articles)


def expected_ids(updates: int) -> set[str]:
    """The live articles after the writer's first ``updates`` updates."""
    ids = {f"b{k}-{n}" for k in range(updates + 1) for n in range(400)}
    for k in range(3, updates + 1, 3):
        ids -= {f"b{k - 1}-{n}" for n in range(0, 400, 2)}
    return ids


def test_a_writer_killed_at_any_moment_leaves_an_index_that_opens(tmp_path):
    """kill -9 during updates and merges: the cache holds the last saved index or the next,
    with its own ledger."""
    folder = cache.folder_for(tmp_path)
    ledger = cache.write_provenance(folder, Ledger("updates 0"))
    cache.save(SearchIndex.build(batch(0, 400)), [], folder, provenance=ledger)
    rng = random.Random(5)
    here = str(Path(__file__).parent)
    merged = False
    for _ in range(5):
        before, _ = cache.load(folder)
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder), here], stdout=subprocess.PIPE, text=True
        )
        time.sleep(rng.uniform(1.5, 4.0))
        writer.send_signal(signal.SIGKILL)
        out, _ = writer.communicate()
        saved = [int(line) for line in out.split()]
        index, _ = cache.load(folder)
        done = updates(index)
        last = saved[-1] if saved else updates(before)
        assert done in (last, last + 1)  # what was last saved, or the save under way
        assert {a.id for a in index.articles} == expected_ids(done)
        assert Ledger.from_bytes(cache.read_provenance(folder)).reading == f"updates {done}"
        for k in range(done + 1):
            found = index.search(f"batch{k}", limit=100)
            assert found and all(h.article.id.startswith(f"b{k}-") for h in found), k
        merged |= len(index.segments) < done + 1
    assert merged  # merges ran (and were killed among the updates)
    cache.save(index, [], folder, provenance=cache.write_provenance(folder, Ledger("last")))
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]
    assert len(list(folder.glob("provenance-*"))) == 1
