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
from rapidfuzz.distance import OSA

from bot.search.clitics import other_forms
from bot.search.fuzzy import MIN_FUZZY_LENGTH
from bot.search.lexicon import Lexicon, UnionFuzzy, UnionSounds
from bot.search.plurals import number_forms
from bot.search.subjects import conversation_rates, subject_weight

EXACT = 1.0
SAME_WORD = 0.9  # the other number (banks for bank), other Arabic affixes (سياسات for سياسة)
PREFIX = 0.8
TYPO = {1: 0.7, 2: 0.5}
SOUND = 0.45  # a word that sounds like the one typed: below every spelling match
# A typed word the archive has is also read as a sound-alike that is this many
# times more common ("paulsen" for Paulson), weighed nearly as the word typed:
# a misheard name is likelier than a rare word, and the rest of the query and
# the headlines then decide between them.
FAR_RARER = 20
MISHEARD = 0.9
NEAR_FROM = 7  # letters (the longer word): shorter names two edits apart are other names
MAX_SOUND_TERMS = 8  # the most frequent sound-alikes; a short key can be shared widely
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
    everyday: bool = False  # a word of everyday language (bot.search.together sets it apart)

    def __len__(self) -> int:
        return len(self.term_ids)


class Expander:
    """Expands query words against one index, remembering the words it saw lately.

    Finding a word's typo neighbours is most of a search's cost, and the words
    people search for repeat (a server's topics, the same word typed one more
    letter at a time); the index never changes, so an answer stays right.
    """

    def __init__(
        self,
        postings: Lexicon,
        fuzzy: UnionFuzzy,
        n_docs: int,
        sounds: UnionSounds | None = None,
    ) -> None:
        self.postings, self.fuzzy = postings, fuzzy
        budget = max(1, n_docs * PREFIX_POSTINGS_PER_DOC)
        common_idf = COMMON_IDF if n_docs >= COMMON_WORDS_FROM else 0.0  # idf is never below 0
        # The cache holds the arrays, not the expander: no reference cycle, so a
        # replaced index is freed at once (the heap is frozen; see bot.heap).
        self.expand = lru_cache(maxsize=WORDS_REMEMBERED)(
            partial(_expand_word, postings, fuzzy, sounds, budget, common_idf)
        )


def _expand_word(  # noqa: PLR0913 - the hot path: plain arguments, partial() binds five
    postings: Lexicon,
    fuzzy: UnionFuzzy,
    sounds: UnionSounds | None,
    budget: int,
    common_idf: float,
    word: str,
    *,
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
        sounds=sounds,
    )


def expand(  # noqa: PLR0913 - the hot path: plain arguments, no object per word
    word: str,
    postings: Lexicon,
    fuzzy: UnionFuzzy,
    *,
    typos: bool,
    prefix: bool,
    prefix_budget: int,
    common_idf: float = 0.0,
    sounds: UnionSounds | None = None,
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
    if typos and sounds is not None:
        for term_id in _sound_alikes(word, exact, postings, sounds):
            found.setdefault(term_id, SOUND)
        if exact is None:
            for term_id in _heard_near(word, postings, sounds):
                found.setdefault(term_id, SOUND)
    if typos and exact is not None:
        _read_as_misheard(exact, found, postings)
    if prefix:
        position = bisect_left(terms, word)
        end = bisect_left(terms, word + "\U0010ffff", lo=position)
        ids = np.arange(position, end)
        df = postings.df[position:end]
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
    # One letter ("s" of "what's", "u" of "U.S.") says nothing of a subject alone.
    counted = len(word) > 1 and (exact is None or postings.idf[exact] >= common_idf)
    subject = _subject(word, exact, postings) if common_idf else 1.0
    return Expansion(term_ids, weights, idf, counted, subject, word in conversation_rates())


def _read_as_misheard(exact: int, found: dict[int, float], postings: Lexicon) -> None:
    """Weigh a neighbour ``FAR_RARER`` times more common than the typed word as ``MISHEARD``."""
    typed = int(postings.df[exact])
    for term_id, weight in found.items():
        df = int(postings.df[term_id])
        if weight < MISHEARD and df >= typed * FAR_RARER:
            found[term_id] = MISHEARD


def _sound_alikes(
    word: str, exact: int | None, postings: Lexicon, sounds: UnionSounds
) -> list[int]:
    """Words that sound like ``word``, when its spelling is likely not what was meant.

    That is whenever the archive lacks the word as typed, even where the typo
    rule finds spellings near it ("karny" is one letter from "karey", and
    sounds like Carney: both readings count, the rest of the query decides),
    or when a sound-alike is ``FAR_RARER`` times more common than the typed
    word: a name misheard as another word of the archive ("merkle",
    "paulsen"). The most frequent ``MAX_SOUND_TERMS`` are taken.
    """
    alike = sounds.alike(word)
    if not len(alike):
        return []
    df = postings.df[alike]
    if exact is not None:
        typed = int(postings.df[exact])
        keep = df >= typed * FAR_RARER
        alike, df = alike[keep], df[keep]
    order = np.argsort(-df, kind="stable")[:MAX_SOUND_TERMS]
    return alike[order].tolist()


def _heard_near(word: str, postings: Lexicon, sounds: UnionSounds) -> list[int]:
    """Words two edits from ``word`` whose sound key is one edit from its key.

    A name heard with a letter silent or softened changes its key ("trishay"
    TRX for Trichet TRXT, "wolker" WLKR for Volcker FLKR) and is two edits
    from it, one more than the typo rule allows under ``NEAR_FROM`` letters.
    Both at once are rare among unrelated words: the sound key keeps
    "trichay" from "fresh", the spelling from words of other sounds.
    """
    near = sounds.near(word)
    if not len(near):
        return []
    terms = postings.terms
    kept = [
        term_id
        for term_id in near.tolist()
        if max(len(word), len(terms[term_id])) >= NEAR_FROM
        and OSA.distance(word, terms[term_id], score_cutoff=2) <= 2
    ]
    kept.sort(key=lambda t: (-int(postings.df[t]), t))  # ties: vocabulary order, any segments
    return kept[:MAX_SOUND_TERMS]


def _subject(word: str, exact: int | None, postings: Lexicon) -> float:
    """The word's subject weight, judged by the headlines holding it as typed."""
    in_headlines = 0
    if exact is not None:
        in_headlines = int(postings.title_df[exact])
    return subject_weight(word, in_headlines, postings.title_postings_count)
