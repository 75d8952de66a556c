"""Words headlines print together name the story; an everyday word apart from them does not.

The archives are the request tests' filler (enough headline words to judge
words by) plus a wire's many headlines ending in its word for "reports": a
headline word of the archive and of requests alike ("pull up reports on ...").
"""

from __future__ import annotations

import itertools
from unittest.mock import patch

import numpy as np
import pytest

from bot.search import ranking, together
from bot.search.index import SearchIndex
from bot.search.query import parse_query
from bot.search.subjects import JUDGED_FROM, conversation_rates
from tests.search.test_requests import FILLER_WORDS, filler, top_id

WIRE_HEADLINES = 40  # "... reports": ten times what everyday talk predicts, so a subject word
NAME_HEADLINES = 6  # the name's other stories: sharing one with the wire's word is chance


# (the wire's word, an everyday word of the story, the story's name, a request)
LANGUAGES = {
    "english": ("reports", "pockets", "brintak", "pull up reports re {}"),
    "arabic": ("تقارير", "جيوب", "برنتاك", "ابحث عن تقارير {}"),
}


def wire_archive(article, wire: str, everyday: str, name: str) -> SearchIndex:
    names = itertools.cycle(FILLER_WORDS)
    return SearchIndex.build(
        [
            *filler(article),
            *(
                article(f"{next(names)} {next(names)} {wire}", "A source said so.")
                for _ in range(WIRE_HEADLINES)
            ),
            *(
                article(f"{name} {next(names)} {next(names)}", "Other news.")
                for _ in range(NAME_HEADLINES)
            ),
            article(f"{name} {everyday} grow", "The story meant.", id="meant"),
            article(f"{name} {wire} earnings", "Another day's news.", id="wire"),
        ]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_headline_word_of_the_request_does_not_outrank_the_subject(article, language):
    """The wire's word shares one headline with the name, as chance predicts; the
    everyday word shares its only headline with it. The story is the second."""
    wire, everyday, name, request = LANGUAGES[language]
    assert wire in conversation_rates() and everyday in conversation_rates()
    query = request.format(f"{name} {everyday}")
    assert top_id(wire_archive(article, wire, everyday, name), query) == "meant"
    with _rule_off():  # without it the wire's word counts as a subject and wins
        assert top_id(wire_archive(article, wire, everyday, name), query) == "wire"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_word_standing_with_the_subject_is_not_set_apart(article, language):
    """Asked for the wire's story, its words stand together: the wire's word counts."""
    wire, everyday, name, _ = LANGUAGES[language]
    index = wire_archive(article, wire, everyday, name)
    words, weights = _weights(index, f"{name} {wire} earnings")
    assert weights == _weights_without_rule(index, f"{name} {wire} earnings")[1]
    assert weights[words.index(wire)] == 1.0


def test_an_everyday_word_apart_from_words_that_stand_together_weighs_at_most_apart(article):
    wire, everyday, name, _ = LANGUAGES["english"]
    index = wire_archive(article, wire, everyday, name)
    words, weights = _weights(index, f"{wire} {name} {everyday}")
    _, before = _weights_without_rule(index, f"{wire} {name} {everyday}")
    assert before[words.index(wire)] == 1.0
    assert weights[words.index(wire)] == pytest.approx(together.APART * max(before))
    assert weights[words.index(name)] == before[words.index(name)]


@pytest.mark.parametrize(
    ("query", "set_apart"),
    [
        ("{wire} {name}", []),  # no two words stand together but the wire's and the name
        ("{wire} {everyday}", []),  # nor here: no headline holds both
        ("zorvunplaxq {name} {everyday}", []),  # a name talk lacks is never set apart
        ("{wire} 2020 {name} {everyday}", ["{wire}"]),  # nor a year (every 2020 headline)
    ],
)
def test_only_an_everyday_word_apart_from_words_standing_together_is_set_apart(
    article, query, set_apart
):
    wire, everyday, name, _ = LANGUAGES["english"]
    index = wire_archive(article, wire, everyday, name)
    text = query.format(wire=wire, everyday=everyday, name=name)
    words, weights = _weights(index, text)
    _, before = _weights_without_rule(index, text)
    changed = [w for w, a, b in zip(words, weights, before, strict=True) if a != b]
    assert changed == [w.format(wire=wire) for w in set_apart]


def test_an_archive_too_small_to_judge_words_by_is_weighed_as_before(article):
    """A few hundred headline words: "notes" would stand apart, but nothing is judged."""
    notes = [article(f"{'Notes' if n % 2 else 'Weather'} {n}", "Rain.") for n in range(100)]
    index = SearchIndex.build([*notes, article("Brintak pockets grow"), article("Brintak")])
    query = "notes brintak pockets"
    assert index.lexicon.title_postings_count < JUDGED_FROM
    assert _weights(index, query) == _weights_without_rule(index, query)
    with patch.object(together, "JUDGED_FROM", 0):
        words, weights = _weights(index, query)
    assert weights[words.index("notes")] < 1.0


def test_headline_counts_count_each_headline_once_per_word_and_pair():
    """A word's forms may share a headline ("report" and "reports"): it counts once."""
    heads = [np.array([1, 2, 5, 2]), np.array([2, 5, 9]), np.array([5, 7, 7])]
    sizes, joint = together._headline_counts(heads)
    assert sizes.tolist() == [3, 3, 2]
    assert joint[0, 1] == 2 and joint[0, 2] == 1 and joint[1, 2] == 1


def _weights(index: SearchIndex, text: str) -> tuple[list[str], list[float]]:
    query = parse_query(text)
    words = list(dict.fromkeys(query.words))
    expansions = ranking.expansions_for(query, index._expander)
    return words, together.stand_together(expansions, index.lexicon, index._size)


def _weights_without_rule(index: SearchIndex, text: str) -> tuple[list[str], list[float]]:
    query = parse_query(text)
    return list(dict.fromkeys(query.words)), [
        e.subject for e in ranking.expansions_for(query, index._expander)
    ]


def _rule_off():
    return patch.object(
        ranking, "stand_together", lambda expansions, *_: [e.subject for e in expansions]
    )
