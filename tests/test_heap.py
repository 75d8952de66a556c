"""The loaded archive is kept out of the garbage collector's sight without leaking old ones."""

from __future__ import annotations

import gc
import weakref

from bot import heap
from bot.search.index import SearchIndex
from tests.discord.conftest import make_app, write_archive


def test_an_index_is_freed_by_reference_counting_alone(article):
    """No reference cycles: with the heap frozen, a cycle would never be collected."""

    def used_index() -> SearchIndex:
        index = SearchIndex.build([article("Volcano erupts", "Lava flows."), article()])
        assert index.search("volcano lava")[0].snippet
        assert index.autocomplete("volc")
        return index

    used_index()  # first calls compile regexes and import lazily: garbage of their own
    gc.collect()
    gc.disable()
    try:
        index = used_index()
        del index
        assert gc.collect() == 0
    finally:
        gc.enable()


async def test_settle_freezes_the_heap_and_a_reload_frees_the_previous_index(tmp_path):
    archive = make_app(tmp_path).archive
    try:
        heap.settle()
        assert gc.get_freeze_count() > 0
        old = weakref.ref(archive.current.index)
        write_archive(tmp_path / "archive", extra_volcanoes=20)  # changed: a fresh index
        await archive.reload()  # settles the heap itself
        assert old() is None
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_collection_pauses_for_a_block_and_resumes_as_it_was():
    assert gc.isenabled()
    try:
        with heap.collection_paused():
            assert not gc.isenabled()
            raise KeyError("a failed load")
    except KeyError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with heap.collection_paused():
            pass
        assert not gc.isenabled()  # someone else's pause is theirs to end
    finally:
        gc.enable()


def test_serving_collects_young_objects_less_often_than_the_default():
    before = gc.get_threshold()
    try:
        heap.tune_for_requests()
        assert gc.get_threshold() == heap.SERVING_THRESHOLDS
        assert heap.SERVING_THRESHOLDS[0] > before[0]
    finally:
        gc.set_threshold(*before)
