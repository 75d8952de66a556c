"""Score every document against a parsed query.

Ranking is a cascade folded into one number: first how many query words a
document matches (so more words always outrank fewer, whatever their
frequency), then how many of them it has in its title (people search for
articles by what the headline said), then a BM25F relevance sum in which typo
and prefix matches are discounted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bot.search.expansion import Expansion, expand
from bot.search.fuzzy import FuzzyIndex
from bot.search.postings import PART_TABLE, Postings
from bot.search.query import Query

WORD_MATCH = 1000.0  # larger than any relevance sum, so word count dominates
TITLE_MATCH = 8.0  # per query word found in the title, scaled by its match weight
EXACTNESS = 50.0  # per query word, times its match weight: fewer typos rank higher


@dataclass(frozen=True)
class Scored:
    scores: np.ndarray  # float32 per document; 0 = no word matched
    term_ids: frozenset[int]  # every term that matched some query word (for snippets)


def expansions_for(query: Query, postings: Postings, fuzzy: FuzzyIndex) -> list[list[Expansion]]:
    """One expansion list per distinct query word."""
    result = []
    for word in dict.fromkeys(query.words):
        exact_only = word in query.exact
        result.append(
            expand(
                word,
                postings,
                fuzzy,
                typos=not exact_only,
                prefix=not exact_only and word == query.prefix,
            )
        )
    return result


def score(
    query: Query, postings: Postings, fuzzy: FuzzyIndex, n_docs: int, *, title_only: bool = False
) -> Scored:
    total = np.zeros(n_docs, dtype=np.float32)
    used: set[int] = set()
    for expansions in expansions_for(query, postings, fuzzy):
        if not expansions:
            continue
        best = np.zeros(n_docs, dtype=np.float32)
        for expansion in expansions:
            span = postings.span(expansion.term_id)
            docs = postings.docs[span]
            in_title = postings.in_title[span]
            weight = np.float32(expansion.weight)
            if title_only:
                keep = in_title.astype(bool)
                docs = docs[keep]
                values = np.full(len(docs), weight * postings.idf[expansion.term_id], np.float32)
            else:
                relevance = PART_TABLE[postings.parts[span]] * postings.idf[expansion.term_id]
                values = weight * (
                    relevance + np.float32(TITLE_MATCH) * in_title + np.float32(EXACTNESS)
                )
            if len(docs):
                used.add(expansion.term_id)
                np.maximum.at(best, docs, values)
        total += best
        total += (best > 0) * np.float32(WORD_MATCH)
    return Scored(total, frozenset(used))


def top(scores: np.ndarray, limit: int, tiebreak: np.ndarray) -> np.ndarray:
    """Indices of the ``limit`` best positive scores, best first; ties go to ``tiebreak`` desc."""
    candidates = np.flatnonzero(scores > 0)
    if len(candidates) > limit:
        threshold = -np.partition(-scores[candidates], limit - 1)[limit - 1]
        candidates = candidates[scores[candidates] >= threshold]
    order = np.lexsort((-tiebreak[candidates], -scores[candidates]))
    return candidates[order[:limit]]
