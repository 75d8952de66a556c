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

A word is judged only on the evidence the archive has: the number of
headlines holding it is set against the number its everyday rate predicts,
both with ``EVIDENCE`` headlines added. "please" is predicted in 140
headlines of a 34k archive and is in 3: a word of asking. "windsor" or "lena"
are predicted in one or two and are in none, which says nothing; without the
added headlines they looked as much like asking words as "need" does.
"""

from __future__ import annotations

import math
from functools import cache

from bot.archive.text import tokenize

CHAT_LANGUAGES = ("en", "ar")
# log10 of (headline rate / conversation rate) at which a word stops being an
# asking word (weight 0) and becomes a full subject (weight 1): ten times rarer
# in headlines than in talk is asking ("you", "anything"); three times more
# common in headlines is a subject ("bailout", "merkel").
ASKING_BELOW = -1.0
SUBJECT_FROM = 0.5
EVIDENCE = 10.0  # headlines added to both the count and the prediction (see above)
# Below this many headline words even "what" (a quarter of a percent of
# everyday words) is predicted in fewer headlines than ``EVIDENCE``: nothing
# can be judged, and every word counts as a subject.
JUDGED_FROM = 10_000


@cache
def conversation_rates() -> dict[str, float]:
    """Everyday frequency of each word, folded the way the index folds words.

    The small lists (30k English, 57k Arabic words) hold every word common in
    conversation, which is all this needs; a word they lack is rare in talk.
    Loaded once per process: the data ships with the package and never changes.
    Imported here, not at the top: wordfreq brings ftfy and langcodes (a second
    of start-up), which commands that never rank a query (``dateline index``)
    should not pay for.
    """
    from wordfreq import get_frequency_dict

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
    all headline word uses in the archive. An archive of a few hundred
    articles has too few headline words to judge by (``JUDGED_FROM``).
    """
    talk = conversation_rates().get(word)
    if talk is None or headline_words < JUDGED_FROM:
        return 1.0
    predicted = talk * max(headline_words, 1)
    contrast = math.log10((in_headlines + EVIDENCE) / (predicted + EVIDENCE))
    share = (contrast - ASKING_BELOW) / (SUBJECT_FROM - ASKING_BELOW)
    return min(1.0, max(0.0, share))
