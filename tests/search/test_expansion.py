"""What a typed word stands for equals a brute-force reading of docs/search.md.

The reference (:func:`tests.search.reference.forms_of`) reads every rule from
its definition over the held vocabulary, term by term: the word as typed, its
other number, typos by rapidfuzz's OSA distance within the allowed edits,
sound-alikes by jellyfish's Metaphone key compared as text, names heard with a
letter silent or softened (keys one OSA edit apart, spellings two, the longer
word 7+ letters), a neighbour 20 times as common read as misheard, and the
last word's completions within the postings budget. No fuzzy index, sound
index or union of segments is involved, so each is checked against the
definition: the index is built in random segments, with articles deleted
(their words still count until a merge) and sometimes merged.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.archive.model import Article
from bot.archive.text import tokenize
from bot.search.index import SearchIndex
from bot.search.merge import apply, merge
from tests.search.reference import Held, forms_of, headline_words

# Names and the ways people spell them by ear or by slip, each with words near
# them that must not be read as them (sheldon, workers, talker, fresh, breach).
KINDRED = [
    ("trichet", "trishay", "trichay", "tricky", "fresh", "breach"),
    ("volcker", "wolker", "talker", "workers", "walker"),
    ("chevron", "shewron", "sheldon"),
    ("michelin", "mishlen", "michel"),
    ("paulson", "paulsen", "poulsen", "paulsons"),
    ("merkel", "merkle", "markel"),
    ("carney", "karny", "karey"),
    ("philips", "filipps", "phillip"),
    ("challenger", "shellenger", "challengers"),
    ("geithner", "giethner"),
    ("sarkozy", "sarkosy"),
    ("bank", "banks", "bnak", "banking"),
    ("market", "markets", "marke", "marker"),
]
SOUNDS = [("ch", "sh"), ("c", "k"), ("k", "c"), ("v", "w"), ("ph", "f"), ("z", "s"), ("ei", "ie")]
LETTERS = "aehiknorstwy"
# How many articles hold a word (0: none): 20 times as common makes a misheard reading.
FREQUENCIES = [0, 1, 1, 2, 3, 30, 60]


@st.composite
def respelt(draw: st.DrawFn, words: list[str]) -> str:
    """One of ``words`` respelt: a sound swapped, a letter dropped, added or changed."""
    word = draw(st.sampled_from(words))
    for _ in range(draw(st.integers(0, 2))):
        change = draw(st.sampled_from(["sound", "drop", "add", "swap"]))
        at = draw(st.integers(0, len(word) - 1))
        letter = draw(st.sampled_from(LETTERS))
        if change == "sound":
            heard, written = draw(st.sampled_from(SOUNDS))
            word = word.replace(heard, written, 1)
        elif change == "drop" and len(word) > 3:
            word = word[:at] + word[at + 1 :]
        elif change == "add":
            word = word[:at] + letter + word[at:]
        else:
            word = word[:at] + letter + word[at + 1 :]
    return word


@st.composite
def vocabularies(draw: st.DrawFn) -> tuple[dict[str, int], list[str]]:
    """A few families of kindred words, each held by some number of articles, and words typed."""
    families = draw(st.lists(st.sampled_from(KINDRED), min_size=1, max_size=4, unique=True))
    words = [word for family in families for word in family]
    frequencies = {w: df for w in words if (df := draw(st.sampled_from(FREQUENCIES)))}
    typed = draw(
        st.lists(st.one_of(st.sampled_from(words), respelt(words)), min_size=1, max_size=8)
    )
    return frequencies, typed


def articles_holding(frequencies: dict[str, int], start: int) -> list[Article]:
    """Articles ``start``, ``start + 1``...: article k holds every word held by more than k."""
    day = datetime(2011, 5, 1, 12, tzinfo=UTC)
    most = max(frequencies.values(), default=1)
    return [
        Article(
            f"w{k}",
            day + timedelta(hours=k),
            "Wire",
            "",
            " ".join(w for w, df in frequencies.items() if df > k - start),
        )
        for k in range(start, start + most)
    ]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    vocabulary=vocabularies(),
    later=st.dictionaries(
        st.sampled_from([w for family in KINDRED for w in family]),
        st.sampled_from(FREQUENCIES[1:]),
        max_size=3,
    ),
    data=st.data(),
)
def test_every_reading_of_a_typed_word_is_the_definitions(vocabulary, later, data):
    frequencies, typed = vocabulary
    base = articles_holding(frequencies, 0)
    cuts = data.draw(st.lists(st.integers(1, max(len(base) - 1, 1)), max_size=3))
    bounds = sorted({c for c in cuts if c < len(base)} | {0, len(base)})
    held = Held()
    index = None
    for lo, hi in pairwise(bounds):
        part = base[lo:hi]
        index = SearchIndex.build(part) if index is None else index.with_segment(part)
        held.add(part)
    assert index is not None
    added = articles_holding(later, len(base))
    if added:
        index = index.with_segment(added)
        held.add(added)
    gone = data.draw(st.sets(st.sampled_from([a.id for a in [*base, *added]]), max_size=20))
    index = index.without(gone)
    held.delete(gone)
    if data.draw(st.booleans()):  # a merge drops the deleted articles and their words
        first = data.draw(st.integers(0, len(index.segments) - 1))
        stop = data.draw(st.integers(first + 1, len(index.segments)))
        merged = apply(index, merge(index, first, stop))
        assert merged is not None
        index = merged
        held.merge(first, stop)
    df = Counter(
        word
        for entry in held.entries
        for word in {*headline_words(entry.article), *tokenize(entry.article.body)}
    )
    for word in typed:
        for typos, prefix in [(True, False), (True, True), (False, False), (False, True)]:
            found = index._expander.expand(word, typos=typos, prefix=prefix)
            readings = {
                index.lexicon.terms[t]: w
                for t, w in zip(found.term_ids.tolist(), found.weights.tolist(), strict=True)
            }
            expected = forms_of(word, df, typos=typos, prefix=prefix, n_docs=len(held.entries))
            assert readings == {t: float(np.float32(w)) for t, w in expected.items()}, word
