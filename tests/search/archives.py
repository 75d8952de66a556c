"""Random archives for the search property tests, and the ways they are split into segments.

One vocabulary takes every scoring path: plain and common words ("the",
"of"), plurals, words of asking ("could", "you", "please"), names that sound
alike ("paulson", "merkel"), and words typed with slips in the tests' queries.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

from hypothesis import strategies as st

from bot.archive.model import Article
from bot.errors import UnknownSource
from bot.search.index import SearchIndex
from bot.search.types import Filters, Order

WORDS = [
    "market", "markets", "volcano", "erupts", "bank", "banks", "rate", "rates", "the", "of",
    "paulson", "treasury", "could", "you", "find", "news", "about", "please", "crisis",
    "merkel", "bailout",
]  # fmt: skip
# Typos, sound-alikes, prefixes (the last word, unfinished), phrases, an unknown word.
QUERIES = [
    "market",
    "volcano erupts",
    "vocano",
    "poulsen treasury",
    "bnak rates",
    "cris",
    "the bank of",
    '"bank rate"',
    '"the market" crisis',
    "could you find the bailout",
    "merkle bail",
    "zzzz",
]
FILTERS = [
    None,
    Filters(after=date(2010, 1, 5)),
    Filters(before=date(2010, 1, 9), source="other wire"),
]
START = datetime(2010, 1, 1, 6, tzinfo=UTC)


def archive(titles: list[list[str]], bodies: list[list[str]], updates: list[bool]) -> list[Article]:
    """Articles a few hours apart, some re-filed ("UPDATE 1-"), from two outlets."""
    return [
        Article(
            f"a{n}",
            START + timedelta(hours=13 * n),
            "Wire" if n % 3 else "Other Wire",
            ("UPDATE 1-" if update else "") + " ".join(title),
            " ".join(body) or "Nothing.",
        )
        for n, (title, body, update) in enumerate(zip(titles, bodies, updates, strict=False))
    ]


def twins_of(articles: list[Article]) -> dict[str, str]:
    """What the loader reports: an article with an earlier one's text under another headline."""
    first: dict[str, Article] = {}
    twins = {}
    for article in articles:
        original = first.setdefault(article.body, article)
        if original is not article and original.title != article.title:
            twins[article.id] = original.id
    return twins


def parts(articles: Sequence[Article], cuts: Sequence[int]) -> list[Sequence[Article]]:
    """``articles`` cut at ``cuts`` (positions, in any order) into runs, none empty."""
    bounds = sorted({min(c, len(articles)) for c in cuts} | {0, len(articles)})
    return [articles[lo:hi] for lo, hi in pairwise(bounds)]


def segmented(articles: list[Article], twins: dict[str, str], cuts: Sequence[int]) -> SearchIndex:
    """An index of ``articles`` built as a segment per part (see :func:`parts`), in order."""
    first, *rest = parts(articles, cuts)
    index = SearchIndex.build(first, twins=twins)
    for part in rest:
        index = index.with_segment(part, twins=twins)
    return index


def answers(index: SearchIndex) -> list:
    """Everything a user can see: ranked ids with scores and versions, for every query shape."""
    seen: list = []
    for text in QUERIES:
        for filters in FILTERS:
            for order in Order:
                try:
                    hits = index.search(text, limit=10, filters=filters, order=order)
                except UnknownSource as exc:  # an outlet whose articles are all deleted
                    seen.append(str(exc))
                    continue
                seen.append([(h.article.id, h.score, h.versions, h.matched) for h in hits])
        seen.append([(s.id, s.title) for s in index.autocomplete(text)])
        seen.append(index.key_words(text + " please"))
    seen.append([(s.id, s.day) for s in index.autocomplete("")])
    seen.append([a.id for a in index.articles])
    seen.append(index.sources)
    seen.append(sorted(index.groups.tolist()))
    rng = random.Random(3)
    seen.append([getattr(index.random(rng), "id", None) for _ in range(5)])
    return seen


titles_st = st.lists(
    st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), min_size=2, max_size=30
)
bodies_st = st.lists(st.lists(st.sampled_from(WORDS), max_size=10), min_size=30, max_size=30)
updates_st = st.lists(st.booleans(), min_size=30, max_size=30)
# Archives of 2 to 30 articles, some re-filed, and where to cut them into segments.
archives_st = st.builds(archive, titles_st, bodies_st, updates_st)
cuts_st = st.lists(st.integers(0, 30), max_size=4)
