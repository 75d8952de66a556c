"""How much a query word says what the search is about, rather than how it is asked.

People ask in chat: "could you dig up what they wrote on chrysler bankruptcy".
Every word there is in thousands of articles, so rarity cannot tell "wrote"
from "chrysler"; how they are used can. Headlines are written in subjects
("Chrysler", "bankruptcy", "Merkel") and hardly ever in the words of asking
("you", "wrote", "anything", "please"), which conversation is full of. So a
word's weight compares how often the archive's headlines use it with how often
people use it in everyday language (the ``wordfreq`` lists, drawn from chat,
subtitles and the web, in English and Arabic): a word headlines use several
times more often than conversation does is a subject and counts fully; one
conversation uses several times more is an asking word and counts for
nothing; in between, in proportion. Words everyday language does not have
(names, typos, rare terms) are subjects. No list of phrasings is involved, so
phrasings nobody foresaw are weighed the same way.
"""

from __future__ import annotations

import math
from functools import cache

from wordfreq import get_frequency_dict

from bot.archive.text import tokenize

CHAT_LANGUAGES = ("en", "ar")
# log10 of (headline rate / conversation rate) at which a word stops being an
# asking word (weight 0) and becomes a full subject (weight 1): ten times rarer
# in headlines than in talk is asking ("you", "anything"); three times more
# common in headlines is a subject ("bailout", "merkel").
ASKING_BELOW = -1.0
SUBJECT_FROM = 0.5
HEADLINE_PRIOR = 0.5  # headline uses credited to every word: none is judged on zero


@cache
def conversation_rates() -> dict[str, float]:
    """Everyday frequency of each word, folded the way the index folds words.

    The small lists (30k English, 57k Arabic words) hold every word common in
    conversation, which is all this needs; a word they lack is rare in talk.
    Loaded once per process: the data ships with the package and never changes.
    """
    rates: dict[str, float] = {}
    for language in CHAT_LANGUAGES:
        for word, rate in get_frequency_dict(language, "small").items():
            words = tokenize(word)
            if len(words) == 1 and not words[0].isdigit():
                rates[words[0]] = max(rates.get(words[0], 0.0), rate)
    return rates


def subject_weight(word: str, in_headlines: int, headline_words: int) -> float:
    """0 for a word of asking, 1 for a word of subject, by headline against everyday use.

    ``in_headlines`` is the number of headlines holding ``word``; ``headline_words``
    all headline word uses in the archive. An archive of a few articles has
    few headline words, so the prior alone makes its words subjects: too few
    headlines to judge by.
    """
    talk = conversation_rates().get(word)
    if talk is None:
        return 1.0
    headline_rate = (in_headlines + HEADLINE_PRIOR) / max(headline_words, 1)
    contrast = math.log10(headline_rate / talk)
    share = (contrast - ASKING_BELOW) / (SUBJECT_FROM - ASKING_BELOW)
    return min(1.0, max(0.0, share))
