"""Names spelt by ear: a word is also read as the words that sound like it."""

from __future__ import annotations

import numpy as np
import pytest

from bot.search.cache import load, save
from bot.search.index import SearchIndex
from bot.search.sounds import SoundIndex, sound_key
from tests.search.hits import ids


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


@pytest.mark.parametrize(
    ("heard", "name"),
    [("trichay", "trichet"), ("wolker", "volcker"), ("shewron", "chevron")],
)
def test_a_name_heard_with_a_letter_silent_or_softened_is_found(article, heard, name):
    """Two edits from the name and a sound key one letter from its key: both at once."""
    assert sound_key(heard) != sound_key(name)
    index = SearchIndex.build(
        [
            article(f"{name.title()} sees a pick up", "The bank said so.", id="named"),
            *weather(article, 5),
        ]
    )
    assert ids(index.search(heard)) == ["named"]
    assert ids(index.search(f"{heard} pick"))[0] == "named"


@pytest.mark.parametrize(
    ("heard", "other"),
    [
        ("shewron", "sheldon"),  # two edits, but its key XLTN is two from XRN
        ("wolker", "workers"),  # two edits, key WRKRS
        ("wolker", "talker"),  # two edits and key TLKR one from WLKR, but six letters
        ("trichay", "fresh"),  # key FRX one from TRX, but five edits
    ],
)
def test_a_word_two_edits_away_is_not_read_unless_it_sounds_nearly_alike_and_is_long(
    article, heard, other
):
    index = SearchIndex.build(
        [article(f"{other.title()} in the news", "Said.", id="other"), *weather(article, 5)]
    )
    assert index.search(heard) == []


def test_a_word_the_archive_has_is_not_read_as_a_name_heard_nearly_alike(article):
    index = SearchIndex.build(
        [
            article("Wolker wins the race", "Snow.", id="typed"),
            article("Volcker rule delayed", "Banks.", id="volcker"),
            *weather(article, 5),
        ]
    )
    assert ids(index.search("wolker")) == ["typed"]


def test_keys_one_edit_away_are_found_in_the_sound_index():
    index = SoundIndex.build(["trichet", "tricky", "fresh", "richly"])
    near = {["trichet", "tricky", "fresh", "richly"][i] for i in index.near("trichay").tolist()}
    assert near == {"trichet", "tricky", "fresh"}  # TRXT, TRK, FRX: one edit from TRX
