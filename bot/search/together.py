"""Which of a query's words name one story: those its headlines print together.

A request wraps a subject in words of asking, and some of those are headline
words too: a news wire's headlines end in ": report" hundreds of times, so
"reports" in "pull up reports re pockets illiquidity" looks as much like a
subject as "illiquidity" does, and "pockets", an everyday word, looks less
like one. Headlines tell them apart by what they print together: the words of
one story's subject share its headline far more often than chance ("pockets"
and "illiquidity" share one headline of 33k where chance predicts a hundredth
of one), while a word of asking shares headlines with them no more often than
its sheer number predicts (the forms of "reports" are in 1,900 headlines, so
chance predicts three holding "illiquidity" too; none does).

So two query words stand together when ``LIFT`` times more headlines hold
both than their counts predict by chance, and at least one does. An everyday
word (one of conversation, see :mod:`bot.search.subjects`) that stands with
none of them while others do stand together is taken as a word of the request around the subject and
weighs at most ``APART`` of the strongest word, so it is not counted as a
word matched but still adds relevance and title bonus. Words everyday
language lacks (names, typos, rare terms, years) are never set apart, and a
query whose words stand together nowhere is weighed as before, as is every
query in an archive too small to judge words by. No list of
words or phrasings is involved, so it reads any language the archive's
headlines are written in.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from bot.search.expansion import Expansion
from bot.search.lexicon import Lexicon
from bot.search.subjects import JUDGED_FROM

# An everyday word standing apart from the subject weighs at most this share
# of the strongest word: below the share that counts a word as matched
# (bot.search.ranking.SUBJECT_SHARE), so it adds relevance but no word match.
APART = 0.5
# Two words stand together when this many times more headlines hold both than
# chance predicts (and at least one does). Measured on the natural sets: 4 to
# 16 rank alike; a word of a headline with a ": report" tail shares several.
LIFT = 4.0


def stand_together(expansions: Sequence[Expansion], postings: Lexicon, n_docs: int) -> list[float]:
    """Each expansion's subject weight, read against the words it shares headlines with.

    Returns the weights, parallel to ``expansions``; unchanged when no two
    words stand together. A word's headlines are those holding any of its
    forms (typos and sound-alikes included), as its title bonus counts them.
    """
    subjects = [e.subject for e in expansions]
    if postings.title_postings_count < JUDGED_FROM:  # too few headlines to judge by
        return subjects
    candidates = [n for n, e in enumerate(expansions) if e.counted and e.subject > 0 and len(e)]
    if len(candidates) < 2 or not any(expansions[n].everyday for n in candidates):
        return subjects
    heads = [postings.gather(expansions[n].term_ids, title_only=True).docs for n in candidates]
    sizes, joint = _headline_counts(heads)
    expected = np.outer(sizes, sizes) / n_docs
    linked = joint > LIFT * expected  # never where no headline holds both
    np.fill_diagonal(linked, val=False)
    if not linked.any():
        return subjects
    weights = np.array([subjects[n] for n in candidates])
    strongest = float(weights.max())
    adjusted = list(subjects)
    for k, n in enumerate(candidates):
        if not linked[k].any() and expansions[n].everyday:
            adjusted[n] = min(subjects[n], APART * strongest)
    return adjusted


def _headline_counts(heads: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Headlines holding each word, and each pair, from each word's (repeating) headline list."""
    size = len(heads)
    docs = np.concatenate(heads)
    owner = np.repeat(np.arange(size), [len(h) for h in heads])
    order = np.argsort(docs, kind="stable")
    docs, owner = docs[order], owner[order]
    # One row per headline: the words holding it, as bits, then as a 0/1 row.
    starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]]) if len(docs) else owner
    held = np.bitwise_or.reduceat(np.left_shift(1, owner), starts) if len(docs) else owner
    words = (held[:, None] >> np.arange(size)) & 1
    shared = words[(held & (held - 1)) != 0]  # headlines holding two words or more
    return words.sum(axis=0), shared.T @ shared
