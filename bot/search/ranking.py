"""Score every document against a parsed query.

Ranking is a cascade folded into one number: first how many query words a
document matches (so more words always outrank fewer, whatever their
frequency; words most articles hold, like "the", do not count), then how many
of them it has in its title (people search for articles by what the headline
said), then a BM25F relevance sum in which typo and prefix matches are
discounted. Each word's part is scaled by how much it says what the search is
about (:mod:`bot.search.subjects`) against the query's most telling word, so
the words of a request ("could you dig up what they wrote on ...") neither
count as matched words nor win the exactness bonus, and add little else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bot.search.expansion import Expander, Expansion
from bot.search.lexicon import Lexicon
from bot.search.query import MAX_QUERY_WORDS, Query
from bot.search.together import stand_together

WORD_MATCH = 1000.0  # larger than any relevance sum, so word count dominates
TITLE_MATCH = 8.0  # per query word found in the title, scaled by its match weight
EXACTNESS = 50.0  # per query word, times its match weight: fewer typos rank higher
# A word counts as matched when it is nearly as telling as the query's most
# telling word; only then does the exactness bonus order its spellings. Any
# other word adds its relevance and title bonus, scaled by how telling it is:
# an exactness bonus for merely holding "need" or "cheers" outweighed the
# subject's words standing in the headline.
SUBJECT_SHARE = 0.9
SPARSE_BELOW = 8  # a word reaching under 1/8 of the documents updates only those


@dataclass(frozen=True)
class Scored:
    scores: np.ndarray  # float32 per document; 0 = no word matched
    term_ids: frozenset[int]  # terms the telling query words matched (for snippets)
    counts: np.ndarray | None = None  # uint8: query words each document matched, if asked


def expansions_for(query: Query, expander: Expander) -> list[Expansion]:
    """One expansion per distinct query word, for the first ``MAX_QUERY_WORDS`` of them.

    Each word costs a pass over its postings; a pasted paragraph of common words
    would hold the event loop for tens of milliseconds, and sixteen words
    already single out an article.
    """
    result = []
    for word in list(dict.fromkeys(query.words))[:MAX_QUERY_WORDS]:
        exact_only = word in query.exact
        prefix = not exact_only and word == query.prefix
        result.append(expander.expand(word, typos=not exact_only, prefix=prefix))
    return result


def score(
    query: Query,
    expander: Expander,
    n_docs: int,
    *,
    title_only: bool = False,
    count_words: bool = False,
) -> Scored:
    """Every document's score; the work per word grows with its postings, not the archive.

    A document reached through several terms of one word keeps its best value.
    A word that reaches few documents touches only those, so a rare word costs
    little even in an archive of 10^6 articles; both ways add the same floats in
    the same order, so scores do not depend on which was taken. ``count_words``
    also counts the words each document matched (orders by date need them).
    """
    postings = expander.postings
    total = np.zeros(n_docs, dtype=np.float32)
    best = np.zeros(n_docs, dtype=np.float32)  # scratch, zero again after each word
    counts = np.zeros(n_docs, dtype=np.uint8) if count_words else None
    used: list[np.ndarray] = []  # the telling words' terms, for snippets
    common: list[np.ndarray] = []  # common words' terms: highlighted only when alone
    expansions = expansions_for(query, expander)
    subjects = stand_together(expansions, postings, n_docs)
    # A subject the archive lacks still says what is asked: the words wrapped
    # around it do not become the search.
    strongest = max(
        (s for e, s in zip(expansions, subjects, strict=True) if e.counted), default=0.0
    )
    for expansion, weight in zip(expansions, subjects, strict=True):
        if not len(expansion):
            continue
        # Against the most telling word: a query of asking words alone still ranks.
        telling = weight / strongest if strongest else 1.0
        if expansion.counted and not telling:  # a word of asking: nothing to add
            common.append(expansion.term_ids)
            continue
        subject = expansion.counted and telling >= SUBJECT_SHARE
        docs, values = _word_postings(
            expansion, postings, title_only=title_only, telling=telling, subject=subject
        )
        (used if subject else common).append(expansion.term_ids)
        np.maximum.at(best, docs, values)
        match = np.float32(WORD_MATCH * telling if subject else 0)
        if len(docs) * SPARSE_BELOW < n_docs:
            # A repeated document index writes the same sum twice, so this adds once.
            total[docs] = total[docs] + best[docs] + match
            if counts is not None and subject:
                counts[docs] = counts[docs] + 1
            best[docs] = 0
        else:  # a common word: whole-array passes beat gathering most of the array
            total += best
            if subject:
                matched = best > 0
                total += matched * match
                if counts is not None:
                    counts += matched
            best.fill(0)
    used = used or common
    term_ids = frozenset(np.concatenate(used).tolist()) if used else frozenset()
    return Scored(total, term_ids, counts)


def _word_postings(
    expansion: Expansion,
    postings: Lexicon,
    *,
    title_only: bool,
    telling: float = 1.0,
    subject: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Every (document, value) one query word reaches, gathered in a few array operations.

    A prefix can expand to 64 terms; gathering their postings together costs
    the same handful of numpy calls as one term would, in every segment. A
    word that is not common has its whole part scaled by ``telling``, its
    subject weight in this query; only a ``subject`` word (one counted as
    matched) earns the exactness bonus, which orders a matched word's
    spellings and rewards nothing else. Each posting's value is computed from
    its own numbers alone, so it is the same whichever segment holds it.
    """
    # A common word earns no bonus for being exact and a small one in a title:
    # "microsoft's" quotes a headline's "Microsoft's", but a question's "is" and
    # "the" say nothing of which headline is meant.
    title_match = np.float32(TITLE_MATCH / 4 if not expansion.counted else TITLE_MATCH)
    exactness = np.float32(EXACTNESS if subject else 0)
    scale = expansion.weights * np.float32(telling if expansion.counted else 1.0)
    found = postings.gather(expansion.term_ids, title_only=title_only)
    if found.which is None:  # one term: its weights are scalars
        weight, idf = scale[0], expansion.idf[0]
    else:
        weight, idf = scale[found.which], expansion.idf[found.which]
    if found.parts is None or found.in_title is None:  # title lists: no parts
        return found.docs, np.broadcast_to(weight * idf, found.docs.shape)
    relevance = found.parts * idf
    return found.docs, weight * (relevance + title_match * found.in_title + exactness)


def top(
    scores: np.ndarray,
    limit: int,
    tiebreak: np.ndarray,
    name: Callable[[int], str] | None = None,
) -> np.ndarray:
    """Indices of the ``limit`` best positive scores, best first; ties go to ``tiebreak`` desc.

    Documents tied on both go in the order of ``name`` (an article's id), when
    given, rather than of their position: positions depend on the order the
    archive was indexed in (a rebuild reads files in path order, an update in
    the order they came), and the same archive must rank the same either way.
    """
    candidates = np.flatnonzero(scores > 0)
    if len(candidates) > limit:
        threshold = -np.partition(-scores[candidates], limit - 1)[limit - 1]
        candidates = candidates[scores[candidates] >= threshold]
    ranked = candidates[np.lexsort((-tiebreak[candidates], -scores[candidates]))]
    if name is not None:
        ranked = ties_by_name(ranked, scores, tiebreak, name)
    return ranked[:limit]


def ties_by_name(
    ranked: np.ndarray, scores: np.ndarray, tiebreak: np.ndarray, name: Callable[[int], str]
) -> np.ndarray:
    """``ranked`` with each run tied on score and tiebreak put in ``name`` order (runs are rare)."""
    tied = (scores[ranked[1:]] == scores[ranked[:-1]]) & (
        tiebreak[ranked[1:]] == tiebreak[ranked[:-1]]
    )
    if not tied.any():
        return ranked
    ranked = ranked.copy()
    start = 0
    for end in range(1, len(ranked) + 1):
        if end == len(ranked) or not tied[end - 1]:
            if end - start > 1:
                ranked[start:end] = sorted(ranked[start:end].tolist(), key=name)
            start = end
    return ranked
