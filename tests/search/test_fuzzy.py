"""The symmetric-deletes index finds exactly what a brute-force rapidfuzz scan finds."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from bot.search.fuzzy import FuzzyIndex, allowed_edits

letters = st.text(alphabet="abcdeéstاب", min_size=1, max_size=12)


def brute_force(word: str, terms: list[str]) -> set[tuple[int, int]]:
    found = set()
    unknown = word not in terms
    for term_id, term in enumerate(terms):
        limit = allowed_edits(word, term, unknown=unknown)
        if term != word and OSA.distance(word, term) <= limit:
            found.add((term_id, OSA.distance(word, term)))
    return found


def mutate(word: str, data: st.DataObject) -> str:
    """Apply up to two random typos: delete, insert, substitute or transpose."""
    for _ in range(data.draw(st.integers(0, 2))):
        if not word:
            break
        i = data.draw(st.integers(0, len(word) - 1))
        op = data.draw(st.sampled_from("disT"))
        char = data.draw(st.sampled_from("abcdeéstاب"))
        if op == "d":
            word = word[:i] + word[i + 1 :]
        elif op == "i":
            word = word[:i] + char + word[i:]
        elif op == "s":
            word = word[:i] + char + word[i + 1 :]
        elif i + 1 < len(word):
            word = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(vocabulary=st.lists(letters, min_size=1, max_size=40, unique=True), data=st.data())
def test_matches_equal_a_brute_force_scan(vocabulary, data):
    terms = sorted(vocabulary)
    index = FuzzyIndex.build(terms)
    # Query with typo'd vocabulary words (to exercise real matches) and random words.
    word = data.draw(st.one_of(st.sampled_from(terms).map(lambda w: mutate(w, data)), letters))
    if not word:
        return
    unknown = word not in terms
    assert set(index.matches(word, terms, unknown=unknown)) == brute_force(word, terms)


@pytest.mark.parametrize(
    ("word", "term", "edits"),
    [
        ("stalney", "stanley", 1),  # transposition counts one
        ("unevils", "unveils", 1),
        ("locatons", "locations", 1),
        ("execqutve", "executive", 2),
        ("fnncing", "financing", 2),  # short typed word, long intended one
        ("treasruies", "treasuries", 1),
        ("bnus", "bonus", 1),  # the longer word decides: five letters, one edit
        ("bnak", "bank", 1),  # short words the vocabulary lacks: one edit
        ("teh", "the", 1),
        ("kog", "kong", 1),
    ],
)
def test_known_typos(word, term, edits):
    terms = sorted([term, "unrelated", "other"])
    found = FuzzyIndex.build(terms).matches(word, terms, unknown=True)
    assert (terms.index(term), edits) in found


@pytest.mark.parametrize(
    ("word", "term", "unknown", "allowed"),
    [
        ("abc", None, False, 0),
        ("abc", None, True, 1),  # a three-letter word the archive lacks is a typo
        ("abc", "abd", True, 1),
        ("abc", "ab", True, 0),  # but never of a one- or two-letter word
        ("abcd", "abce", True, 1),
    ],
)
def test_short_words_the_archive_lacks_allow_one_edit(word, term, unknown, allowed):
    assert allowed_edits(word, term, unknown=unknown) == allowed


@pytest.mark.parametrize(
    ("word", "term", "allowed"),
    [
        ("abc", None, 0),
        ("abcd", None, 1),  # could still be a five-letter word missing a letter
        ("abcd", "abce", 0),  # four letters each: exact only
        ("abcd", "abcde", 1),
        ("abcde", None, 1),
        ("abcdefgh", None, 2),
        ("abcdefgh", "abcdefgx", 1),
        ("abcdefghi", "abcdefghx", 2),
    ],
)
def test_edit_allowance_grows_with_length(word, term, allowed):
    assert allowed_edits(word, term) == allowed


def test_short_words_the_archive_knows_need_exact_matches():
    terms = ["card", "cart"]
    index = FuzzyIndex.build(terms)
    assert index.matches("cart", terms) == []
    assert index.matches("carx", terms, unknown=True) == [(0, 1), (1, 1)]
