"""The ledger as the cache stores it: read back whole, its ids and keys packed, never a str each."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.archive.ledger import FileRecord, Ledger
from bot.archive.scan import Extent

ids_st = st.lists(
    # Any text an id may be: empty, non-ASCII, a lone surrogate (kept as a full load keeps it).
    st.text(st.characters(blacklist_categories=["Cs"]) | st.sampled_from(["\ud800", "é", "名"])),
    max_size=12,
)


@st.composite
def records_st(draw: st.DrawFn, path: str) -> FileRecord:
    ids = draw(ids_st)
    record = FileRecord(
        path,
        draw(st.sampled_from(["f1", "f2", "f10"])),
        draw(
            st.none()
            | st.builds(
                Extent,
                st.integers(0, 2**40),
                st.integers(0, 2**62),
                st.integers(0, 2**40),
                st.text(max_size=8),
                st.integers(0, 10**6),
                st.none() | st.lists(st.text(max_size=4), max_size=3).map(tuple),
                st.booleans(),
                st.booleans(),
            )
        ),
        tail=draw(st.booleans()),
        problems=draw(st.lists(st.tuples(st.none() | st.integers(1, 99), st.text(max_size=9)))),
        aliases=draw(st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)),
        twins=draw(st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=3)),
        links=draw(st.sets(st.text(max_size=3), max_size=3)),
    )
    for article_id in ids:
        record.add(article_id, draw(st.binary(min_size=16, max_size=16)))
    return record


@st.composite
def ledgers_st(draw: st.DrawFn) -> Ledger:
    paths = draw(st.lists(st.text(min_size=1, max_size=6), unique=True, max_size=4))
    records = [draw(records_st(path)) for path in paths]
    return Ledger(draw(st.text(max_size=8)), {r.path: r for r in records}, draw(st.integers(0, 99)))


def described(ledger: Ledger) -> tuple:
    return (
        ledger.reading,
        ledger.next_key,
        [(r.head(), list(r.ids), bytes(r.text_keys)) for r in ledger.records.values()],
    )


@settings(max_examples=200, deadline=None)
@given(ledgers_st())
def test_a_ledger_reads_back_as_it_was_written(ledger):
    data = ledger.to_bytes()
    back = Ledger.from_bytes(data)
    assert described(back) == described(ledger)
    assert back.to_bytes() == data  # read-back records write their packed bytes as they are


@settings(max_examples=100, deadline=None)
@given(ledgers_st(), st.data())
def test_articles_added_to_a_copy_of_a_record_read_back_leave_the_record_as_it_was(ledger, data):
    """A grown file's record: the update adds to a copy; the ledger it read stays as it was."""
    back = Ledger.from_bytes(ledger.to_bytes())
    before = described(back)
    for path, record in back.records.items():
        grown = record.copy()
        added = data.draw(ids_st)
        keys = [data.draw(st.binary(min_size=16, max_size=16)) for _ in added]
        for article_id, key in zip(added, keys, strict=True):
            grown.add(article_id, key)
        assert list(grown.ids) == [*record.ids, *added]
        assert bytes(grown.text_keys) == bytes(record.text_keys) + b"".join(keys)
        after = Ledger(back.reading, {path: grown}, back.next_key)
        assert described(Ledger.from_bytes(after.to_bytes())) == described(after)
    assert described(back) == before


def test_ids_read_back_are_positions_in_the_packed_blob():
    record = FileRecord("a.jsonl", "f1", None)
    for n, article_id in enumerate(["a", "", "déjà", "名前"]):
        record.add(article_id, bytes([n]) * 16)
    (back,) = Ledger.from_bytes(Ledger("r", {"a.jsonl": record}).to_bytes()).records.values()
    assert [back.ids[n] for n in range(4)] == ["a", "", "déjà", "名前"]
    assert back.ids[-1] == "名前" and back.ids[1:3] == ["", "déjà"]
    assert isinstance(back.text_keys, memoryview)  # not copied out of what was read
    with pytest.raises(IndexError):
        back.ids[4]


def test_what_is_not_a_whole_ledger_of_this_version_is_refused():
    record = FileRecord("a.jsonl", "f1", None)
    record.add("x", b"k" * 16)
    data = Ledger("r", {"a.jsonl": record}).to_bytes()
    for wrong in (None, b"", data[:-8], data + bytes(8), b'{"version": 1, "files": []}'):
        with pytest.raises(ValueError):
            Ledger.from_bytes(wrong)
    assert Ledger.from_bytes(data).records["a.jsonl"].ids[0] == "x"
