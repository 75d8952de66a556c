"""Which vocabulary terms stand for a query word, and how much each is worth.

Exact beats prefix beats one typo beats two typos: the weights below make
"exact matches outrank fuzzy ones" hold for otherwise equal documents.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

import numpy as np

from bot.search.fuzzy import FuzzyIndex
from bot.search.postings import Postings

EXACT = 1.0
PREFIX = 0.8
TYPO = {1: 0.7, 2: 0.5}
MAX_PREFIX_TERMS = 64  # the most frequent completions; more only adds noise and time


@dataclass(frozen=True, slots=True)
class Expansion:
    term_id: int
    weight: float


def expand(
    word: str, postings: Postings, fuzzy: FuzzyIndex, *, typos: bool, prefix: bool
) -> list[Expansion]:
    terms = postings.terms
    found: dict[int, float] = {}
    position = bisect_left(terms, word)
    if position < len(terms) and terms[position] == word:
        found[position] = EXACT
    if typos:
        for term_id, edits in fuzzy.matches(word, terms):
            found.setdefault(term_id, TYPO[edits])
    if prefix:
        end = bisect_left(terms, word + "\U0010ffff", lo=position)
        ids = np.arange(position, end)
        if len(ids) > MAX_PREFIX_TERMS:
            df = postings.df[position:end]
            ids = ids[np.argsort(-df, kind="stable")[:MAX_PREFIX_TERMS]]
        for term_id in ids.tolist():
            found[term_id] = max(found.get(term_id, 0.0), PREFIX)
    return [Expansion(t, w) for t, w in found.items()]
