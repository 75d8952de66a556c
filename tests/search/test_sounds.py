"""Names spelt by ear: a word is also read as the words that sound like it."""

from __future__ import annotations

import numpy as np
import pytest

from bot.search.cache import load, save
from bot.search.index import SearchIndex
from bot.search.sounds import SoundIndex, sound_key


def ids(hits):
    return [h.article.id for h in hits]


def weather(article, n: int):
    return [article(f"Weather note {k}", "Rain is expected later.") for k in range(n)]


@pytest.mark.parametrize(
    ("heard", "name"),
    [("mishlen", "michelin"), ("filipps", "philips"), ("shellenger", "challenger")],
)
def test_a_name_spelt_by_ear_beyond_the_typo_rule_finds_the_name(article, heard, name):
    index = SearchIndex.build(
        [
            article(f"{name.title()} cuts jobs", "The company said so.", id="named"),
            *weather(article, 5),
        ]
    )
    assert ids(index.search(heard)) == ["named"]
    assert ids(index.search(f"{heard} jobs")) == ["named"]


def test_a_sound_alike_ranks_below_the_exact_spelling(article):
    index = SearchIndex.build(
        [
            article("Mishlen opens a bakery", "A small shop.", id="exact"),
            *(article(f"Michelin tyre plant {k}", "Tyres.", id=f"m{k}") for k in range(25)),
        ]
    )
    hits = ids(index.search("mishlen"))
    assert hits[0] == "exact"
    assert set(hits[1:]) <= {f"m{k}" for k in range(25)} and len(hits) > 1


def test_a_rare_word_read_as_the_far_commoner_name_that_fits_the_query(article):
    """ "paulsen" is an archive word, but Paulson is 25 times as common: both are read."""
    index = SearchIndex.build(
        [
            article("Paulsen wins ski race", "Snow.", id="skier"),
            article("Paulson defends Treasury plan", "The secretary spoke.", id="meant"),
            *(article(f"Paulson note {k}", "Markets.", id=f"p{k}") for k in range(25)),
        ]
    )
    assert ids(index.search("paulsen treasury"))[0] == "meant"
    assert ids(index.search("paulsen"))[0] == "skier"  # the exact spelling still leads
    assert "skier" not in ids(index.search("paulson"))  # not the other way round


def test_words_spelt_alike_are_not_read_by_sound(article):
    index = SearchIndex.build(
        [
            article("Harbour cranes", "Port.", id="typo"),
            article("Harbor crane", "Port.", id="exact"),
            *weather(article, 5),
        ]
    )
    assert ids(index.search("harbor crane")) == ["exact", "typo"]


def test_sound_keys_skip_short_words_digits_and_other_scripts():
    assert sound_key("merkel") == sound_key("merkle")
    assert sound_key("bank") is None
    assert sound_key("g20s") is None
    assert sound_key("ميركل") is None
    index = SoundIndex.build(["merkel", "merkle", "bank", "markel", "zebra"])
    assert sorted(index.alike("merkle").tolist()) == [0, 1, 3]


def test_the_sound_index_is_cached_with_the_index(article, tmp_path):
    index = SearchIndex.build([article("Michelin cuts jobs", "Tyres."), *weather(article, 3)])
    save(index, [], tmp_path / "entry")
    loaded, _ = load(tmp_path / "entry")
    [saved], [built] = loaded.segments, index.segments
    assert np.array_equal(saved.sounds.keys, built.sounds.keys)
    assert np.array_equal(saved.sounds.term_ids, built.sounds.term_ids)
    assert ids(loaded.search("mishlen")) == ids(index.search("mishlen"))


def test_a_misspelt_name_is_read_by_sound_even_beside_a_spelling_neighbour(article):
    """ "karny" is one letter from "karey" (a typo reading) and sounds like Carney."""
    index = SearchIndex.build(
        [
            article("Karey opens a bakery", "A small shop.", id="typo"),
            article("Carney warns of false dawn", "The governor spoke.", id="meant"),
            *weather(article, 5),
        ]
    )
    assert ids(index.search("karny")) == ["typo", "meant"]  # the spelling first, then the sound
    assert ids(index.search("karny dawn"))[0] == "meant"  # the rest of the query decides
