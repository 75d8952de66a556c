"""Article records saved as columns come back as they went in, and ids are found by hash."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.archive.bodies import BodyFile
from bot.archive.model import Article
from bot.search import cache, table
from bot.search.ids import IdLookup
from bot.search.index import SearchIndex
from bot.search.segment import Segment
from bot.search.table import ArticleTable
from bot.search.views import (
    EPOCH,
    ArticleView,
    Gathered,
    id_keys,
    moments,
    moments_at,
    strings_at,
)
from bot.snapshot import ArchiveSnapshot

WRITTEN = ["مرحبا بالعالم", "الأخبار العاجلة 🚨", "📰🗞️ emoji 👩‍👩‍👧", "café naïve", "日本語", ""]
text = st.one_of(
    st.text(), st.sampled_from(WRITTEN), st.lists(st.sampled_from(WRITTEN)).map(" ".join)
)
# Whole hours, half and three-quarter hours, either side of UTC, and one in seconds.
offsets = st.sampled_from([0, 60, -60, 330, -210, 345, -570, 840, -720, 525]).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
) | st.just(timezone(timedelta(hours=1, seconds=15)))
published = st.builds(
    lambda when, zone: when.replace(tzinfo=UTC).astimezone(zone),
    # Any year but the first and last, whose instants a far offset takes out of range.
    st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),  # noqa: DTZ001
    offsets,
)
fields = st.tuples(
    published,
    st.sampled_from(["Reuters", "رويترز", "AP 📡", "reuters"]),  # outlets repeat
    text,
    text,
    st.none() | st.just("") | text,
)


@st.composite
def archives(draw: st.DrawFn) -> list[Article]:
    ids = draw(st.lists(text, unique=True, max_size=30))
    return [Article(i, *draw(fields)[:3], draw(text), draw(st.none() | text)) for i in ids]


def saved(articles: Sequence[Article], folder: Path) -> ArticleTable:
    table.write(articles, folder)
    return ArticleTable.open(folder)


def same(loaded: Article, original: Article) -> bool:
    return (
        loaded == original
        and loaded.published.utcoffset() == original.published.utcoffset()
        and loaded.published.isoformat() == original.published.isoformat()
        and (loaded.url is None) == (original.url is None)
    )


@settings(max_examples=60, deadline=None)
@given(archives())
def test_any_articles_come_back_field_for_field(articles):
    with tempfile.TemporaryDirectory() as folder:
        loaded = saved(articles, Path(folder))
        assert len(loaded) == len(articles)
        assert all(same(a, b) for a, b in zip(loaded, articles, strict=True))
        assert loaded == articles and loaded[::-2] == articles[::-2]
        if articles:
            assert same(loaded[-1], articles[-1])
        # Each article's body is read from the table's file, not held.
        assert [a.body for a in loaded] == [a.body for a in articles]
        assert [loaded.id_at(n) for n in range(len(loaded))] == [a.id for a in articles]


@settings(max_examples=40, deadline=None)
@given(st.lists(archives(), min_size=1, max_size=3), st.data())
def test_fields_at_many_positions_are_those_articles_fields(parts, data):
    """Over tables, lists and a live selection of them, in any order, repeats included."""
    everything = [a for part in parts for a in part]
    size = len(everything)
    chosen = data.draw(st.lists(st.integers(0, size - 1), max_size=20)) if size else []
    live = sorted(data.draw(st.sets(st.integers(0, size - 1)))) if size else []
    picked = data.draw(st.lists(st.integers(0, len(live) - 1), max_size=20)) if live else []
    with tempfile.TemporaryDirectory() as folder:
        sequences = []
        for n, part in enumerate(parts):  # every other part a saved table, the rest lists
            (Path(folder) / str(n)).mkdir()
            sequences.append(saved(part, Path(folder) / str(n)) if n % 2 == 0 else part)
        whole = Gathered(sequences)
        wanted = [everything[n] for n in chosen]
        assert strings_at(whole, chosen, "id") == [a.id for a in wanted]
        assert strings_at(whole, chosen, "title") == [a.title for a in wanted]
        assert moments_at(whole, chosen).tolist() == moments(wanted).tolist()
        some = Gathered(sequences, np.asarray(live, np.int64))
        wanted = [everything[live[n]] for n in picked]
        assert strings_at(some, picked, "id") == [a.id for a in wanted]
        assert strings_at(some, picked, "title") == [a.title for a in wanted]
        assert moments_at(some, picked).tolist() == moments(wanted).tolist()
        # The instant and calendar day, by their definitions.
        for (instant, day), article in zip(moments(wanted).tolist(), wanted, strict=True):
            assert EPOCH + timedelta(microseconds=instant) == article.published
            assert date.fromordinal(day) == article.published.date()


class Picked(ArticleView):
    """Some positions of a saved table, as a merge's survivors are."""

    def __init__(self, source: ArticleTable, kept: list[int]) -> None:
        self.source, self.kept = source, kept

    def __len__(self) -> int:
        return len(self.kept)

    def at(self, position: int) -> Article:
        raise AssertionError("a saved table's columns are copied: no Article is made")

    def pieces(self):
        return [(self.source, np.asarray(self.kept, np.int64))]


@settings(max_examples=40, deadline=None)
@given(archives(), st.data())
def test_a_table_written_from_another_tables_columns_is_those_articles(articles, data):
    kept = sorted(data.draw(st.sets(st.sampled_from(range(len(articles))))) if articles else [])
    with tempfile.TemporaryDirectory() as folder:
        source, copy = Path(folder) / "source", Path(folder) / "copy"
        source.mkdir()
        copy.mkdir()
        copied = saved(Picked(saved(articles, source), kept), copy)
        assert len(copied) == len(kept)
        assert all(same(copied[n], articles[k]) for n, k in enumerate(kept))
        assert [copied.ids.get(articles[k].id) for k in kept] == list(range(len(kept)))


@settings(max_examples=40, deadline=None)
@given(archives(), st.lists(text, max_size=5))
def test_the_id_lookup_finds_every_id_and_nothing_else(articles, others):
    with tempfile.TemporaryDirectory() as folder:
        loaded = saved(articles, Path(folder))
        for n, article in enumerate(articles):
            assert loaded.ids.get(article.id) == n
        ids = {a.id for a in articles}
        absent = [other for other in others if other not in ids]
        assert all(loaded.ids.get(other) is None for other in absent)
        assert loaded.ids.find([*absent, *ids]).tolist() == [-1] * len(absent) + [
            loaded.ids.get(i) for i in ids
        ]


def test_ids_whose_hashes_collide_are_told_apart_by_the_id_itself():
    ids = ["a", "b", "c", "d"]

    def zero(texts):
        return np.zeros(len(list(texts)), np.uint64)

    same_hash = IdLookup.of(zero(ids), ids.__getitem__, zero)
    assert [same_hash.get(i) for i in ids] == [0, 1, 2, 3]
    assert same_hash.get("e") is None  # its hash matches all four; none is it
    assert same_hash.find(["d", "e", "a"]).tolist() == [3, -1, 0]
    # "a" and "c" collide; "zz" hashes as they do and is neither.
    hashes = {"a": 7, "b": 1, "c": 7, "d": 3, "zz": 7}

    def some(texts):
        return np.asarray([hashes[t] for t in texts], np.uint64)

    partial = IdLookup.of(some(ids), ids.__getitem__, some)
    assert [partial.get(i) for i in ids] == [0, 1, 2, 3] and partial.get("zz") is None


def test_a_cached_segment_holds_a_table_not_a_list(tmp_path):
    moment = datetime(2012, 3, 26, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    articles = [
        Article(f"id{n}", moment + timedelta(hours=n), "Wire", f"Title {n}", f"body {n}")
        for n in range(5)
    ]
    cache.write_segment(Segment.build(articles, ["f.jsonl"] * 5), tmp_path)
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    segment = cache.read_segment(folder)
    assert isinstance(segment.articles, ArticleTable) and segment.articles == articles
    assert segment.positions.get("id3") == 3 and segment.positions.get("id9") is None
    assert segment.outlets[0] == ("Wire",) and segment.file_of(2) == "f.jsonl"


def test_opening_a_cached_index_and_its_calendar_makes_no_article(tmp_path, monkeypatch):
    day = datetime(2012, 3, 26, 9, 30, tzinfo=UTC)
    articles = [
        Article(f"id{n}", day.replace(year=2000 + n % 12), ("Wire", "Daily")[n % 2], f"T {n}", "b")
        for n in range(40)
    ]
    index = SearchIndex.build(articles[:30]).with_segment(articles[30:]).without(["id4"])
    folder = cache.folder_for(tmp_path)
    cache.save(index, [], folder, "key")
    made = []

    def counted(*fields):
        made.append(fields[0])
        return Article(*fields)

    monkeypatch.setattr(table, "Article", counted)
    loaded, _ = cache.load(folder)
    snapshot = ArchiveSnapshot.of(loaded)
    stats = loaded.stats()
    assert made == [] and len(loaded.articles) == 39
    assert (stats.count, stats.first, stats.last) == (39, date(2000, 3, 26), date(2011, 3, 26))
    assert dict(stats.sources) == {"Wire": 19, "Daily": 20}
    live = [a for a in articles if a.id != "id4"]
    assert stats.per_year == sorted(Counter(a.published.year for a in live).items())
    # An article is made when it is asked for, and only then.
    assert loaded.get("id7") == articles[7] and made == ["id7"]
    groups = snapshot.calendar.select(date(2013, 3, 26))
    assert sorted(a.id for g in groups for a in g.articles) == sorted(a.id for a in loaded.articles)


@settings(max_examples=40, deadline=None)
@given(archives(), st.lists(text, unique=True, max_size=8))
def test_id_keys_sort_as_the_ids_do(articles, fresh_ids):
    fresh = [Article(i, datetime(2012, 1, 1, tzinfo=UTC), "W", "t", "") for i in fresh_ids]
    with tempfile.TemporaryDirectory() as folder:
        both = Gathered([saved(articles, Path(folder)), fresh])  # a table, then a list
        ids = [a.id for a in both]
        positions = np.arange(len(ids))
        keys, lengths = id_keys(both, positions)
        assert [ids[n] for n in np.lexsort((lengths, keys))] == sorted(ids)
        picked = positions[::2]
        keys, lengths = id_keys(Gathered(both.parts, picked), np.arange(len(picked)))
        assert [ids[picked[n]] for n in np.lexsort((lengths, keys))] == sorted(ids[::2])


@settings(max_examples=30, deadline=None)
@given(archives(), st.randoms(use_true_random=False))
def test_spooled_bodies_are_copied_as_one_run_when_they_lie_in_order(articles, random):
    """A loaded archive's bodies lie in its spool file in order: one copy, not one per body."""
    with tempfile.TemporaryDirectory() as folder:
        spool = BodyFile.spool(Path(folder))
        stored = [article.stored_in(spool) for article in articles]
        shuffled = random.sample(stored, len(stored))
        for name in ("in_order", "shuffled", "by_hand"):
            (Path(folder) / name).mkdir()
        with mock.patch.object(Article, "encoded_body", side_effect=AssertionError("one by one")):
            in_order = saved(stored, Path(folder) / "in_order")
        assert [a.body for a in in_order] == [a.body for a in articles]
        out_of_order = saved(shuffled, Path(folder) / "shuffled")  # one body at a time
        assert [a.body for a in out_of_order] == [a.body for a in shuffled]
        with mock.patch("os.copy_file_range", side_effect=OSError(18, "cross-device")):
            by_hand = saved(stored, Path(folder) / "by_hand")  # where the kernel cannot copy
        assert [a.body for a in by_hand] == [a.body for a in articles]
