"""Searching the way people ask in chat: the words of a request do not outrank its subject.

A word's weight compares its use in headlines with its use in conversation,
so these archives need enough headlines to judge by: a few hundred filler
articles whose titles hold invented words (in no conversation list) and whose
bodies hold none of the asking words.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.archive.model import Article
from bot.errors import EmptyQuery
from bot.search.index import SearchIndex
from bot.search.subjects import conversation_rates, subject_weight

FILLER_ARTICLES = 300
# Headline words per filler article: 300 x 130 is 39,000 headline words, enough
# for "what" (a quarter of a percent of everyday words) to be expected in 94 of
# them and found in none, which judges it a word of asking despite the ten
# headlines of evidence subject_weight adds to both sides.
FILLER_TITLE_WORDS = 130
_SYLLABLES = ("zor", "vun", "plax", "kreb", "drum", "tolv", "quib", "snar", "fesk", "grom")
# Ten-letter words made of three syllables: none is a prefix of another.
FILLER_WORDS = ["".join(p) + "q" for p in itertools.permutations(_SYLLABLES, 3)][:400]


def filler(article) -> list[Article]:
    words = iter(itertools.cycle(FILLER_WORDS))
    return [
        article(
            " ".join(next(words) for _ in range(FILLER_TITLE_WORDS)),
            " ".join(next(words) for _ in range(12)),
        )
        for _ in range(FILLER_ARTICLES)
    ]


def top_id(index: SearchIndex, query: str) -> str | None:
    hits = index.search(query, limit=1)
    return hits[0].article.id if hits else None


@pytest.fixture
def chrysler(article) -> SearchIndex:
    return SearchIndex.build(
        [
            *filler(article),
            article("Chrysler files for bankruptcy protection", "The carmaker filed.", id="meant"),
            article(
                "GM chief says bankruptcy not inevitable",
                "Can you believe what they have done, he asked me; find out about it.",
                id="chatty",
            ),
        ]
    )


@pytest.mark.parametrize(
    "request_text",
    [
        "can you find me what they have about chrysler bankruptcy",
        "what have they got on chrysler bankruptcy?",
        "chrysler bankruptcy, can you find it for me?",
        'what about "chrysler files" for bankruptcy?',
    ],
)
def test_a_request_wrapped_around_a_subject_finds_what_the_subject_alone_finds(
    chrysler, request_text
):
    assert top_id(chrysler, "chrysler bankruptcy") == "meant"
    assert top_id(chrysler, request_text) == "meant"


def test_a_query_of_asking_words_alone_still_finds_the_articles_holding_them(chrysler):
    assert top_id(chrysler, "what have they done") == "chatty"


@pytest.mark.parametrize("text", ["?", " ? ", '"?"', "??!"])
def test_a_lone_question_mark_is_an_empty_query_not_a_crash(chrysler, text):
    with pytest.raises(EmptyQuery):
        chrysler.search(text)


def test_a_question_mark_ends_typing_so_the_last_word_is_not_a_prefix(article):
    index = SearchIndex.build(
        [
            article("Harbour crane", "Cranes at the port.", id="crane"),
            article("Dock craneway", "A craneway at the dock.", id="craneway"),
            *(article(f"Weather {n}", "Rain.") for n in range(10)),
        ]
    )
    assert "craneway" in [h.article.id for h in index.search("crane")]
    assert [h.article.id for h in index.search("crane?")] == ["crane"]


def test_an_arabic_request_finds_what_its_subject_alone_finds(article):
    index = SearchIndex.build(
        [
            *filler(article),
            article("انهيار بنك ليمان براذرز", "أعلن البنك إفلاسه.", id="meant"),
            article(
                "بنك مركزي يخفض الفائدة",
                "هل لي ان اعرف ما قاله عن ذلك؟ قال ان ما حدث عن قصد.",
                id="chatty",
            ),
        ]
    )
    assert top_id(index, "بنك ليمان") == "meant"
    assert top_id(index, "هل لي ان اعرف ما كتبوا عن بنك ليمان؟") == "meant"


def test_conversation_words_weigh_nothing_and_headline_words_fully():
    headline_words = 300_000  # about a 34k-article archive's
    assert subject_weight("you", 19, headline_words) == 0.0
    assert subject_weight("anything", 1, headline_words) == 0.0
    assert subject_weight("bailout", 346, headline_words) == 1.0
    assert subject_weight("zorvunplaxq", 0, headline_words) == 1.0  # talk lacks it: a subject
    assert not any(w in conversation_rates() for w in (*SUBJECT_WORDS, *FILLER_WORDS))


# Words conversation uses so often that an archive of the filler's headline
# words without them can tell they are not subjects.
REQUEST_WORDS = ("can", "you", "me", "what", "they", "have", "it")
SUBJECT_WORDS = ("brintak", "mosquel", "trevand", "pluxor", "vandrel", "skorim", "jublat")


@settings(max_examples=40, deadline=None)
@given(
    stories=st.lists(
        st.tuples(
            st.lists(st.sampled_from(SUBJECT_WORDS), min_size=1, max_size=4),
            st.lists(st.sampled_from(SUBJECT_WORDS), max_size=6),
            st.lists(st.sampled_from(REQUEST_WORDS), max_size=6),
        ),
        min_size=1,
        max_size=25,
    ),
    subject=st.lists(st.sampled_from(SUBJECT_WORDS), min_size=1, max_size=3),
    before=st.lists(st.sampled_from(REQUEST_WORDS), max_size=5),
    after=st.lists(st.sampled_from(REQUEST_WORDS), max_size=3),
    ending=st.sampled_from(["", "?", " ?"]),
)
def test_wrapping_a_query_in_request_words_never_changes_its_top_hit(
    stories, subject, before, after, ending
):
    articles = filler(_factory())
    for n, (title, body, chat) in enumerate(stories):
        text = " ".join(body + chat)
        articles.append(_factory()(" ".join(title), text or "Nothing.", id=f"story{n}"))
    index = SearchIndex.build(articles)
    headline_words = index.lexicon.title_postings_count
    assert all(subject_weight(w, 0, headline_words) == 0 for w in REQUEST_WORDS)
    plain = " ".join(subject) + "?"  # finished typing, as a wrapped query is
    wrapped = " ".join([*before, *subject, *after]) + ending
    assert top_id(index, wrapped) == top_id(index, plain)


def _factory():
    from datetime import UTC, datetime

    counter = itertools.count()

    def make(title: str, body: str, *, id: str | None = None) -> Article:
        return Article(
            id=id or f"f{next(counter)}",
            published=datetime(2020, 3, 26, 12, 0, tzinfo=UTC),
            source="Test Wire",
            title=title,
            body=body,
        )

    return make


def test_holding_a_middling_word_of_asking_earns_no_exactness_bonus(article):
    """ "cheers" and "covering" are neither clearly asked nor clearly subjects here.

    Merely holding them must not outweigh the subject standing in a headline:
    only words counted as matched earn the bonus that orders spellings.
    """
    index = SearchIndex.build(
        [
            *filler(article),
            article("Brintak names Mosquel chief", "The board met on Monday.", id="meant"),
            article(
                "Quarterly results",
                "Brintak and Mosquel were covering the costs, cheers all round.",
                id="chatty",
            ),
        ]
    )
    assert 0 < subject_weight("cheers", 0, index.lexicon.title_postings_count) < 1
    assert top_id(index, "brintak mosquel") == "meant"
    assert top_id(index, "hi could you find anything covering brintak mosquel cheers") == "meant"


def test_a_word_is_not_judged_a_word_of_asking_on_too_few_headlines():
    """Everyday talk predicts "windsor" in one or two of 300,000 headline words.

    Finding it in none says nothing, where finding "please" in 3 of the 140
    predicted does; and an archive of a few thousand headline words judges nothing.
    """
    headline_words = 300_000
    assert subject_weight("windsor", 0, headline_words) > 0.5
    assert subject_weight("please", 3, headline_words) == 0.0
    assert subject_weight("please", 0, 3_000) == 1.0
