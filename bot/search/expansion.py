"""Which vocabulary terms stand for a query word, and how much each is worth.

Exact beats the same word with other affixes beats prefix beats one typo
beats two typos: the weights below make
"exact matches outrank fuzzy ones" hold for otherwise equal documents.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache, partial

import numpy as np

from bot.search.clitics import other_forms
from bot.search.fuzzy import MIN_FUZZY_LENGTH, FuzzyIndex
from bot.search.plurals import number_forms
from bot.search.postings import Postings
from bot.search.subjects import subject_weight

EXACT = 1.0
SAME_WORD = 0.9  # the other number (banks for bank), other Arabic affixes (سياسات for سياسة)
PREFIX = 0.8
TYPO = {1: 0.7, 2: 0.5}
MAX_PREFIX_TERMS = 64  # the most frequent completions; more only adds noise and time
PREFIX_POSTINGS_PER_DOC = 1  # a prefix gathers at most one posting per document, all told
WORDS_REMEMBERED = 8192  # query words repeat across searches (and every keystroke)
# A word in more than half the articles ("the", "of", "said") tells nothing of
# which one is meant: it adds some relevance but does not count as a word
# matched, so "what happened to bear stearns" is not won by any article that
# merely holds "to". In a small archive half is a handful: nothing is common.
COMMON_IDF = float(np.log(2))  # the idf of a word in exactly half the articles
COMMON_WORDS_FROM = 100  # articles


@dataclass(frozen=True, slots=True)
class Expansion:
    """The terms one query word stands for, with their weights, as arrays for scoring."""

    term_ids: np.ndarray  # int64
    weights: np.ndarray  # float32, parallel
    idf: np.ndarray  # float32, parallel: no other form counts as rarer than the typed word
    counted: bool = True  # False for a word most articles hold (``COMMON_IDF``)
    # How much the word says what the search is about, 0 for a word of asking
    # ("you", "wrote"), 1 for a subject ("chrysler"): see bot.search.subjects.
    subject: float = 1.0

    def __len__(self) -> int:
        return len(self.term_ids)


class Expander:
    """Expands query words against one index, remembering the words it saw lately.

    Finding a word's typo neighbours is most of a search's cost, and the words
    people search for repeat (a server's topics, the same word typed one more
    letter at a time); the index never changes, so an answer stays right.
    """

    def __init__(self, postings: Postings, fuzzy: FuzzyIndex, n_docs: int) -> None:
        self.postings, self.fuzzy = postings, fuzzy
        budget = max(1, n_docs * PREFIX_POSTINGS_PER_DOC)
        common_idf = COMMON_IDF if n_docs >= COMMON_WORDS_FROM else 0.0  # idf is never below 0
        # The cache holds the arrays, not the expander: no reference cycle, so a
        # replaced index is freed at once (the heap is frozen; see bot.heap).
        self.expand = lru_cache(maxsize=WORDS_REMEMBERED)(
            partial(_expand_word, postings, fuzzy, budget, common_idf)
        )


def _expand_word(
    postings: Postings,
    fuzzy: FuzzyIndex,
    budget: int,
    common_idf: float,
    word: str,
    typos: bool,
    prefix: bool,
) -> Expansion:
    return expand(
        word,
        postings,
        fuzzy,
        typos=typos,
        prefix=prefix,
        prefix_budget=budget,
        common_idf=common_idf,
    )


def expand(
    word: str,
    postings: Postings,
    fuzzy: FuzzyIndex,
    *,
    typos: bool,
    prefix: bool,
    prefix_budget: int,
    common_idf: float = 0.0,
) -> Expansion:
    terms = postings.terms
    found: dict[int, float] = {}
    exact = postings.term_id(word)
    if exact is not None:
        found[exact] = EXACT
    if typos:  # the same word in the other number, or with other affixes, is no typo
        for form in (*number_forms(word), *other_forms(word)):
            if (term_id := postings.term_id(form)) is not None:
                found[term_id] = SAME_WORD
    # A four-letter word found as typed is taken as meant: its only typo
    # neighbours are longer words (bank -> banks, blank), noise that costs time.
    if typos and not (exact is not None and len(word) < MIN_FUZZY_LENGTH):
        for term_id, edits in fuzzy.matches(word, terms, unknown=exact is None):
            found.setdefault(term_id, TYPO[edits])
    if prefix:
        position = bisect_left(terms, word)
        end = bisect_left(terms, word + "\U0010ffff", lo=position)
        ids = np.arange(position, end)
        df = np.diff(postings.offsets[position : end + 1])
        order = np.argsort(-df, kind="stable")[:MAX_PREFIX_TERMS]
        # The most frequent completions first, while together they reach no more
        # postings than the budget: past it ("the" -> they, their, there...) they
        # cost time and find little.
        within = np.cumsum(df[order]) <= prefix_budget
        within[:1] = True
        ids = ids[order[within]]
        for term_id in ids.tolist():
            found[term_id] = max(found.get(term_id, 0.0), PREFIX)
    term_ids = np.fromiter(found.keys(), np.int64, len(found))
    idf = postings.idf[term_ids]
    if exact is not None:
        # "Feds" is rarer than "fed", but a query for "fed" is no more telling
        # when it finds "Feds"; the word's other forms count as the word does.
        idf = np.minimum(idf, postings.idf[exact])
    weights = np.fromiter(found.values(), np.float32, len(found))
    counted = exact is None or postings.idf[exact] >= common_idf
    subject = _subject(word, exact, postings) if common_idf else 1.0
    return Expansion(term_ids, weights, idf, counted, subject)


def _subject(word: str, exact: int | None, postings: Postings) -> float:
    """The word's subject weight, judged by the headlines holding it as typed."""
    in_headlines = 0
    if exact is not None:
        in_headlines = int(postings.title_offsets[exact + 1] - postings.title_offsets[exact])
    return subject_weight(word, in_headlines, len(postings.title_docs))
