"""Merges: fewer segments, deleted articles dropped, answers as a fresh build of the rest."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.search import cache, offload
from bot.search.index import SearchIndex
from bot.search.merge import MergePolicy, apply, merge
from bot.search.segment import Segment
from bot.snapshot import ArchiveHolder, ArchiveSnapshot
from tests.search.archives import answers, archives_st, cuts_st, segmented, twins_of


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    articles=archives_st,
    cuts=cuts_st,
    gone=st.sets(st.integers(0, 29), max_size=12),
)
def test_a_merge_drops_deleted_articles_and_ranks_as_a_fresh_build(articles, cuts, gone):
    twins = twins_of(articles)
    index = segmented(articles, twins, cuts).without([f"a{n}" for n in gone])
    merged = apply(index, merge(index, 0, len(index.segments)))
    assert merged is not None
    assert len(merged.segments) == 1 and merged.deleted == (None,)
    survivors = [a for a in articles if int(a.id[1:]) not in gone]
    alive = {a.id for a in survivors}
    fresh = SearchIndex.build(
        survivors, twins={k: v for k, v in twins.items() if k in alive and v in alive}
    )
    assert answers(merged) == answers(fresh)
    (joined,) = merged.segments
    for name in Segment.STORED:  # carried across, as a build derives them
        assert name in joined.stored
        assert getattr(joined, name).tolist() == getattr(fresh.segments[0], name).tolist()


def test_what_is_deleted_or_added_while_a_merge_runs_is_kept(article):
    index = SearchIndex.build([article(f"Volcano {n}", "Lava.", id=f"v{n}") for n in range(4)])
    for k in range(3):
        index = index.with_segment([article(f"Glacier {k}", "Ice.", id=f"g{k}")])
    index = index.without(["v0"])
    done = merge(index, 0, 3)  # the base and the first two additions
    meanwhile = index.without(["v2", "g0"]).with_segment([article("Comet", "Tail.", id="c")])
    merged = apply(meanwhile, done)
    assert merged is not None
    assert [len(s) for s in merged.segments] == [5, 1, 1]
    assert sorted(a.id for a in merged.articles) == ["c", "g1", "g2", "v1", "v3"]
    assert {h.article.id for h in merged.search("volcano")} == {"v1", "v3"}
    assert {h.article.id for h in merged.search("glacier")} == {"g1", "g2"}
    assert merged.get("v2") is None and merged.get("c") is not None
    # A merge whose segments were merged away (or replaced) meanwhile is dropped.
    assert apply(apply(index, merge(index, 1, 3)) or index, done) is None


def test_the_policy_merges_a_tier_of_neighbours_or_a_segment_of_deletions(article):
    policy = MergePolicy(factor=3, deleted_share=0.5, floor=10)
    index = SearchIndex.build([article(f"Story {n}", "Text.") for n in range(40)])
    assert policy.plan(index) is None
    for k in range(2):
        index = index.with_segment([article(f"Late {k}", "Text.")])
    assert policy.plan(index) is None  # two small ones: not yet a tier's worth
    index = index.with_segment([article("Later", "Text.")])
    assert policy.plan(index) == (1, 4)
    merged = apply(index, merge(index, 1, 4))
    assert merged is not None and policy.plan(merged) is None
    half = merged.without([a.id for a in merged.articles[:21]])
    assert policy.plan(half) == (0, 1)  # over half of the base deleted: rewritten alone


def _grown(article) -> SearchIndex:
    index = SearchIndex.build([article(f"Volcano {n}", "Lava.", id=f"v{n}") for n in range(20)])
    for k in range(3):
        index = index.with_segment([article(f"Glacier {k}", "Ice.", id=f"g{k}")])
    return index


POLICY = MergePolicy(factor=3, deleted_share=0.5, floor=10)


async def test_the_holder_swaps_a_merge_in_and_saves_it(article, tmp_path):
    index = _grown(article)
    cache.save(index, [], cache.folder_for(tmp_path), "key")
    holder = ArchiveHolder(ArchiveSnapshot.of(index), lambda: ArchiveSnapshot.of(index))
    assert await holder.merge(POLICY, tmp_path)
    assert [len(s) for s in holder.current.index.segments] == [20, 3]
    assert {h.article.id for h in holder.current.index.search("glacier")} == {"g0", "g1", "g2"}
    assert not await holder.merge(POLICY, tmp_path)  # nothing left to merge
    saved, _ = cache.load(cache.folder_for(tmp_path))
    assert [len(s) for s in saved.segments] == [20, 3]
    assert cache.key_of(cache.folder_for(tmp_path)) == "key"


async def test_an_update_swapped_in_during_a_merge_is_kept(article, tmp_path, monkeypatch):
    index = _grown(article)
    cache.save(index, [], cache.folder_for(tmp_path), "key")
    holder = ArchiveHolder(ArchiveSnapshot.of(index), lambda: ArchiveSnapshot.of(index))
    slow = offload.in_child

    async def merge_while_updating(*args):
        done = await slow(*args)
        # An update lands while the merge is being written (as a reload would swap it).
        holder._current = ArchiveSnapshot.of(holder.current.index.without(["g1"]))
        return done

    monkeypatch.setattr(offload, "in_child", merge_while_updating)
    assert await holder.merge(POLICY, tmp_path)
    merged = holder.current.index
    assert [len(s) for s in merged.segments] == [20, 3]
    assert merged.get("g1") is None
    assert {h.article.id for h in merged.search("glacier")} == {"g0", "g2"}
    assert "g1" not in {a.id for a in holder.current.index.articles}
    # The cache held the index before the update, not the one merged: left as it was.
    saved, _ = cache.load(cache.folder_for(tmp_path))
    assert len(saved.segments) == 4


def test_a_segment_whose_articles_are_all_deleted_is_merged_away(article):
    base = [article(f"Base story {n}", "harbour news", id=f"b{n}") for n in range(6)]
    added = [article(f"Added story {n}", "harbour news", id=f"a{n}") for n in range(3)]
    index = SearchIndex.build(base).with_segment(added).without([a.id for a in added])
    policy = MergePolicy()
    while (span := policy.plan(index)) is not None:
        merged = apply(index, merge(index, *span))
        assert merged is not None
        index = merged
    assert len(index.segments) == 1 and index.deleted == (None,)
    assert sorted(a.id for a in index.articles) == sorted(a.id for a in base)
