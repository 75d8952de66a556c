"""A word finds its other number ("bank", "banks"), and only where that is the same word."""

from __future__ import annotations

import pytest

from bot.search.index import WORD_MATCH, SearchIndex
from bot.search.plurals import number_forms
from tests.search.hits import ids


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("bank", {"banks"}),
        ("banks", {"bank"}),
        ("job", {"jobs"}),
        ("tax", {"taxes"}),  # -es after s, x, z, ch, sh
        ("bosses", {"boss"}),
        ("company", {"companies"}),  # consonant + y
        ("days", {"day"}),  # vowel + y: a plain -s
        ("shares", {"share"}),
        ("news", set()),  # not the plural of "new"
        ("new", set()),
        ("arms", set()),
        ("us", set()),  # too short to be anyone's plural
        ("crisis", {"crisises"}),  # -is words keep their s (the form is simply not found)
        ("g20", set()),
        ("البنك", set()),
    ],
)
def test_number_forms(word, forms):
    assert set(number_forms(word)) == forms


def test_a_short_word_finds_its_plural_and_the_typed_form_ranks_first(article):
    filler = "Markets were calm on the day."
    index = SearchIndex.build(
        [
            article("Banks cut jobs", filler, id="plural"),
            article("Bank cuts job", filler, id="singular"),
            article("New rules for taxis", filler, id="new"),
            article("News of the day", filler, id="news"),
        ]
    )
    # "job" (three letters, in the archive) is no typo of "jobs": only its number finds it.
    scores = {hit.article.id: hit.score for hit in index.search("job bank")}
    assert scores["plural"] > 2 * WORD_MATCH  # both words matched
    assert scores["singular"] > scores["plural"]  # the form typed first
    assert ids(index.search("jobs banks")) == ["plural", "singular"]
    assert ids(index.search("news")) == ["news"]
    assert ids(index.search('"bank"')) == ["singular"]  # quoted: as typed


def test_the_other_number_never_outranks_the_typed_word_for_being_rarer(article):
    # "fed" in 200 headlines, "feds" in one, among 2,000 others: "feds" weighs far more
    # by rarity alone (idf), yet a search for "fed" means the Fed.
    fed = [article(f"Fed holds rates {n}", "Policy unchanged.", id=f"fed{n}") for n in range(200)]
    others = [article(f"Harvest report {n}", "Grain prices rose.", id=f"x{n}") for n in range(2000)]
    index = SearchIndex.build(
        [*fed, *others, article("Feds probe lender", "An inquiry.", id="feds")]
    )
    assert index.search("fed probe")[0].article.id == "feds"  # both words
    assert "feds" not in ids(index.search("fed", limit=10))
