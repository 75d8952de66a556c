"""Which words of a chat message to search for: the ones that name its subject.

A chat message is mostly words every article has ("did", "you", "see") and
words news rarely prints at all ("lol", "guys", "tho"). Rarity alone picks the
second kind: "lol" is in three Reuters stories, so searching a message for its
rarest words finds chatty feature articles. Headlines tell the two apart:
they are written in subjects ("Fed", "bailout", "Samsung"), hardly ever in
chat words, and their share of a word's occurrences says how much of a
subject it is. So the words kept are those headlines use at least half as
often as an average word, rarest first; a message with none of those (or an
archive too small to tell) falls back to its rarest known words.
"""

from __future__ import annotations

from bot.archive.text import tokenize
from bot.search.expansion import COMMON_IDF, COMMON_WORDS_FROM
from bot.search.lexicon import Lexicon

KEY_WORDS = 8  # enough to single out a story
MIN_HEADLINES = 2  # one headline is chance ("gonna" is in one)


def key_words(text: str, postings: Lexicon, n_docs: int, limit: int = KEY_WORDS) -> list[str]:
    """The words of ``text`` that best say what it is about, in their order."""
    known: dict[str, int] = {}
    for word in tokenize(text):
        term_id = postings.term_id(word)
        if term_id is not None:
            known.setdefault(word, term_id)
    if n_docs >= COMMON_WORDS_FROM:  # fewer articles are too few to judge words by
        share = postings.title_postings_count / max(
            postings.postings_count, 1
        )  # of an average word
        subjects = [w for w, t in known.items() if _names_a_subject(postings, t, share)]
    else:
        subjects = []
    pool = subjects or list(known)
    rarest = set(sorted(pool, key=lambda w: float(postings.idf[known[w]]), reverse=True)[:limit])
    return [word for word in known if word in rarest]


def _names_a_subject(postings: Lexicon, term_id: int, average_share: float) -> bool:
    """Whether headlines use the word at least half as much as they use words on average."""
    if postings.idf[term_id] < COMMON_IDF:
        return False  # in most articles: says nothing of which
    in_titles = int(postings.title_df[term_id])
    in_all = int(postings.df[term_id])
    return in_titles >= MIN_HEADLINES and in_titles >= in_all * average_share / 2
