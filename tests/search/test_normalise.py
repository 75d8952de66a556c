"""Index and queries fold text the same way, so variants find each other."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.archive.text import normalise, tokenize, word_spans
from bot.search.index import SearchIndex


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("Café Résumé", "cafe resume"),
        ("NAÏVE Straße", "naive strasse"),
        ("ﬁnance", "finance"),  # NFKC ligature
        ("São Paulo", "sao paulo"),
        ("أَحْمَد", "احمد"),  # tashkeel
        ("كتـــاب", "كتاب"),  # tatweel
        ("إبراهيم أمين آمال ٱلله", "ابراهيم امين امال الله"),  # alef forms
        ("مستشفى", "مستشفي"),  # alef maqsura / yaa
        ("مدرسة", "مدرسه"),  # taa marbuta / haa
        ("٢٠٢٠", "2020"),  # Arabic-Indic digits
    ],
)
def test_variants_fold_to_the_same_words(written, typed):
    assert tokenize(written) == tokenize(typed)


def test_ascii_fast_path_matches_the_unicode_path():
    text = "Mixed CASE words, Numbers 2020 and_underscores"
    assert normalise(text) == normalise(text + "é")[:-1]


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_words_split_as_the_unicode_rule_splits_them(text):
    assert tokenize(text) == [w.lower() for w in re.findall(r"[^\W_]+", text)]
    assert [*tokenize(text), "e"] == tokenize(text + " é")  # the Unicode path, same words


def test_an_arabic_query_finds_arabic_articles_despite_variations(article):
    index = SearchIndex.build(
        [
            article("إعلان الحكومة العراقية", "أعلنت الحكومةُ العراقيةُ عن خطةٍ جديدةٍ للمستشفى"),
            article("English story", "Nothing in Arabic here"),
        ]
    )
    hits = index.search("اعلنت الحكومه خطه المستشفي")
    assert [h.article.title for h in hits] == ["إعلان الحكومة العراقية"]


@given(st.text(alphabet="ابتةىيأإآ\u064b\u064e\u064f\u0650\u0651\u0652\u0640ae\u0301\u0308 ,."))
def test_written_words_are_the_tokens_marks_included(text):
    folded = [normalise(word) for _, word in word_spans(text)]
    assert [word for word in folded if word] == tokenize(text)  # a lone tatweel folds away


def test_fully_vocalised_arabic_is_highlighted_whole(article):
    body = "قال أَحْمَدُ إن الحكومةَ وافقت"
    [hit] = SearchIndex.build([article("خبر", body)]).search("احمد الحكومه")
    assert "**أَحْمَدُ**" in hit.snippet
    assert "**الحكومةَ**" in hit.snippet
