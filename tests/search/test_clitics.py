"""An Arabic word finds its forms with other particles and endings, and nothing else."""

from __future__ import annotations

import pytest

from bot.archive.text import normalise
from bot.search.clitics import bare, light_stem, other_forms
from bot.search.index import SearchIndex
from tests.search.hits import ids

ELECTRICITY = "كهرباء"


@pytest.mark.parametrize(
    ("written", "without"),
    [
        ("الكهرباء", ELECTRICITY),  # the
        ("للكهرباء", ELECTRICITY),  # for the (its alef dropped)
        ("والكهرباء", ELECTRICITY),  # and the
        ("بالكهرباء", ELECTRICITY),  # with the
        ("وكهرباء", ELECTRICITY),  # and
        ("ولد", "ولد"),  # "boy": too short to lose its waw
        ("الف", "الف"),  # "thousand": would leave one letter
        ("electricity", "electricity"),
    ],
)
def test_particles_are_stripped_only_where_a_word_remains(written, without):
    assert bare(written) == without


@pytest.mark.parametrize(
    ("written", "stem"),
    [
        ("سياسة", "سياس"),  # policy (taa marbuta, normalised to haa)
        ("سياسات", "سياس"),  # policies
        ("سياساتها", "سياس"),  # her policies: two endings
        ("السياسية", "سياس"),  # the political: a particle and two endings
        ("والسياسيين", "سياس"),  # and the politicians
        ("بيان", "بيان"),  # statement: stripping -ان would leave two letters
        ("بين", "بين"),  # between
        ("الكهرباء", ELECTRICITY),  # no ending to strip
    ],
)
def test_light_stems_drop_particles_and_endings_where_a_stem_remains(written, stem):
    assert light_stem(normalise(written)) == stem


def test_forms_are_the_other_spellings_and_arabic_only():
    forms = other_forms("الكهرباء")
    assert {ELECTRICITY, "للكهرباء", "والكهرباء", "بالكهرباء"} <= set(forms)
    assert "الكهرباء" not in forms
    assert all(light_stem(form) == ELECTRICITY for form in forms)
    assert other_forms("electricity") == ()


def test_search_finds_every_form_and_prefers_the_one_typed(article):
    index = SearchIndex.build(
        [
            # Numbered headlines: otherwise these would be versions of one story.
            article("خطة جديدة 1", "أعلنت الحكومة خطة جديدة للكهرباء في بغداد.", id="for-the"),
            article("خطة جديدة 2", "أعلنت الحكومة خطة جديدة والكهرباء في بغداد.", id="and-the"),
            article("خطة جديدة 3", "أعلنت الحكومة خطة جديدة الكهرباء في بغداد.", id="the"),
            article("خطة جديدة 4", "أعلنت الحكومة خطة جديدة للمياه في بغداد.", id="water"),
        ]
    )
    found = ids(index.search("الكهرباء"))
    assert found[0] == "the"
    assert set(found) == {"the", "for-the", "and-the"}
    # Two particles away from some forms: beyond what typo tolerance allows.
    bare_hits = index.search(ELECTRICITY)
    assert {hit.article.id for hit in bare_hits} == {"the", "for-the", "and-the"}
    assert any("**للكهرباء**" in hit.snippet for hit in bare_hits)
    assert ids(index.search('"الكهرباء"')) == ["the"]  # quoted: as typed


def test_search_finds_forms_with_other_endings_below_the_one_typed(article):
    index = SearchIndex.build(
        [
            article("خطة 1", "أعلنت الحكومة سياسة جديدة.", id="policy"),
            article("خطة 2", "أعلنت الحكومة سياسات جديدة.", id="policies"),
            article("خطة 3", "انتقدت الصحف سياساتها.", id="her-policies"),
            article("خطة 4", "صدر بيان عن الحكومة.", id="statement"),
            article("خطة 5", "الفرق بين الخطتين.", id="between"),
        ]
    )
    found = ids(index.search("سياسة"))
    assert found[0] == "policy"
    assert set(found) == {"policy", "policies", "her-policies"}
    assert ids(index.search("بيان")) == ["statement"]
    assert ids(index.search('"سياسات"')) == ["policies"]
