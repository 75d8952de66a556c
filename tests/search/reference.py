"""Brute-force readings of the search definitions (docs/search.md) for tests to hold the engine to.

Nothing here reads the engine's postings, statistics, story links or sound
index: every number is counted again from the articles' text, one word and one
article at a time, as the definitions say. What an index *holds* is given as
the definition of a segmented index has it (``Held``): every article of every
segment, deleted ones included until a merge drops them (they count in the
statistics, as in Lucene), and which of them are live (only those are ever
scored, shown or grouped).

What a typed word stands for (its typo, plural, sound-alike and prefix forms,
each with its match weight) is the expander's; it is checked against its own
brute force (:func:`forms_of`, tests/search/test_expansion.py) and taken as
given by :func:`reference_scores`.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import jellyfish
import numpy as np
from rapidfuzz.distance import OSA

from bot.archive.model import Article
from bot.archive.text import tokenize
from bot.search import expansion, ranking, subjects, together
from bot.search.clitics import other_forms
from bot.search.fuzzy import MIN_FUZZY_LENGTH, allowed_edits
from bot.search.hashing import MAX_LENGTH
from bot.search.index import SearchIndex
from bot.search.plurals import number_forms
from bot.search.postings import K1, NORM_SCALE, TITLE_WEIGHT, B, length_norms
from bot.search.query import MAX_QUERY_WORDS, parse_query
from bot.search.stories import SHARED_WORDS, WINDOW_DAYS

Judge = Callable[[str, int, int], float]  # (word, headlines holding it, headline words) -> weight


@dataclass(eq=False)
class Entry:
    """One article in a segment, and whether it is live (not deleted nor replaced)."""

    article: Article
    live: bool = True


@dataclass
class Held:
    """The articles an index holds, segment by segment, as its definition has them.

    Adding a segment deletes the live article of each id it brings (a
    replacement); deleting marks articles, which stay held; a merge of
    neighbouring segments keeps only their live articles. ``twins`` are the
    loader's "same text under another headline" reports, each resolved when
    its article was added to the live article of the id it names.
    """

    segments: list[list[Entry]] = field(default_factory=list)
    twins: list[tuple[Entry, Entry]] = field(default_factory=list)

    def add(self, articles: Sequence[Article], twins: dict[str, str] | None = None) -> None:
        ids = {a.id for a in articles}
        for entry in self.entries:
            if entry.article.id in ids:
                entry.live = False
        added = [Entry(a) for a in articles]
        self.segments.append(added)
        live = {e.article.id: e for e in self.live}
        for entry in added:
            original = live.get((twins or {}).get(entry.article.id, ""))
            if original is not None and original is not entry:
                self.twins.append((entry, original))

    def delete(self, ids: Iterable[str]) -> None:
        gone = set(ids)
        for entry in self.entries:
            if entry.article.id in gone:
                entry.live = False

    def merge(self, first: int, stop: int) -> None:
        kept = [e for segment in self.segments[first:stop] for e in segment if e.live]
        self.segments[first:stop] = [kept]

    @property
    def entries(self) -> list[Entry]:
        return [e for segment in self.segments for e in segment]

    @property
    def live(self) -> list[Entry]:
        return [e for e in self.entries if e.live]


def headline_words(article: Article) -> list[str]:
    """A headline's words: its title's and the year the article appeared in."""
    return [*tokenize(article.title), str(article.calendar_date.year)]


@dataclass(frozen=True)
class Statistics:
    """The archive's statistics, counted over every held article (deleted ones too)."""

    titles: list[list[str]]
    counts: list[Counter[str]]  # a title word counts TITLE_WEIGHT times
    normed: list[float]  # each length as the one-byte norm stores it
    average: float
    df: Counter[str]  # articles holding the term
    in_headlines: Counter[str]  # headlines holding the term
    headline_words: int  # distinct words per headline, summed

    @classmethod
    def of(cls, articles: Sequence[Article]) -> Statistics:
        titles = [headline_words(a) for a in articles]
        bodies = [tokenize(a.body) for a in articles]
        counts = [Counter(t * TITLE_WEIGHT + b) for t, b in zip(titles, bodies, strict=True)]
        lengths = [len(b) + TITLE_WEIGHT * len(t) for t, b in zip(titles, bodies, strict=True)]
        # A length is stored as the nearest a one-byte norm holds (as Lucene does).
        normed = np.expm1(length_norms(np.asarray(lengths)) / NORM_SCALE).tolist()
        return cls(
            titles,
            counts,
            normed,
            max(sum(lengths) / max(len(lengths), 1), 1.0),
            Counter(term for count in counts for term in count),
            Counter(term for title in titles for term in set(title)),
            sum(len(set(title)) for title in titles),
        )

    @property
    def n(self) -> int:
        return len(self.titles)

    def idf(self, term: str) -> float:
        df = self.df[term]
        return math.log1p((self.n - df + 0.5) / (df + 0.5))


def judged(judged_from: int = subjects.JUDGED_FROM) -> Judge:
    """A word's subject weight by its definition: headline use against everyday use.

    The headlines holding the word are set against the number its everyday
    rate predicts over all headline words, ``EVIDENCE`` headlines added to
    both; ten times rarer in headlines than in talk weighs 0, three times more
    common 1, in proportion (on a log scale) between. Words everyday language
    lacks, and every word of an archive of under ``judged_from`` headline
    words, weigh 1.
    """

    def weight(word: str, in_headlines: int, words: int) -> float:
        talk = subjects.conversation_rates().get(word)
        if talk is None or words < judged_from:
            return 1.0
        ratio = (in_headlines + subjects.EVIDENCE) / (talk * words + subjects.EVIDENCE)
        share = (math.log10(ratio) - subjects.ASKING_BELOW) / (
            subjects.SUBJECT_FROM - subjects.ASKING_BELOW
        )
        return min(1.0, max(0.0, share))

    return weight


@dataclass(frozen=True)
class Word:
    """A query word as the definition reads it against the held archive."""

    forms: list[tuple[str, float, float]]  # (term, match weight, idf)
    counted: bool  # a word more than half the articles hold (from 100) is not
    subject: float  # how telling it is on its own, 0 (asking) to 1 (subject)
    everyday: bool  # everyday language has it


def read_words(index: SearchIndex, stats: Statistics, text: str, judge: Judge) -> list[Word]:
    """The query's distinct words (the first ``MAX_QUERY_WORDS``), read by the definition.

    Only which terms a word stands for and their match weights come from the
    expander; a form is no rarer than the typed word when the archive holds it.
    """
    query = parse_query(text)
    words = list(dict.fromkeys(query.words))[:MAX_QUERY_WORDS]
    read = []
    for word, found in zip(words, ranking.expansions_for(query, index._expander), strict=True):
        held = stats.df[word] > 0
        forms = []
        for term_id, weight in zip(found.term_ids.tolist(), found.weights.tolist(), strict=True):
            term = index.lexicon.terms[term_id]
            idf = min(stats.idf(term), stats.idf(word)) if held else stats.idf(term)
            forms.append((term, weight, idf))
        large = stats.n >= expansion.COMMON_WORDS_FROM
        counted = len(word) > 1 and (not held or not large or 2 * stats.df[word] <= stats.n)
        subject = judge(word, stats.in_headlines[word], stats.headline_words) if large else 1.0
        everyday = word in subjects.conversation_rates()
        read.append(Word(forms, counted, subject, everyday))
    return read


def standing_together(stats: Statistics, words: list[Word], judged_from: int) -> list[float]:
    """Each word's subject weight, an everyday word set apart by counting headlines.

    Two words stand together when more than ``LIFT`` times the headlines that
    chance predicts hold a form of each, and one at least; an everyday word
    that stands with none while two others stand together weighs at most
    ``APART`` of the strongest. Only words counted, telling and found take part.
    """
    weights = [w.subject for w in words]
    if stats.headline_words < judged_from:
        return weights
    candidates = [n for n, w in enumerate(words) if w.counted and w.subject > 0 and w.forms]
    heads = {
        n: {
            doc
            for doc, title in enumerate(stats.titles)
            if any(term in title for term, _, _ in words[n].forms)
        }
        for n in candidates
    }

    def stand(n: int, m: int) -> bool:
        both = len(heads[n] & heads[m])
        return both >= 1 and both > together.LIFT * len(heads[n]) * len(heads[m]) / stats.n

    linked = {n: any(stand(n, m) for m in candidates if m != n) for n in candidates}
    if not any(linked.values()):
        return weights
    strongest = max(weights[n] for n in candidates)
    return [
        min(s, together.APART * strongest) if linked.get(n) is False and words[n].everyday else s
        for n, s in enumerate(weights)
    ]


@dataclass(frozen=True)
class Reference:
    """Per held article: its score by the definition, how far float32 rounding may move
    it, and how many of the query's subject words it holds (what date orders compare)."""

    scores: np.ndarray
    slack: np.ndarray
    matched: np.ndarray


def reference_scores(
    index: SearchIndex,
    held: Sequence[Article],
    text: str,
    *,
    judge: Judge,
    judged_from: int = subjects.JUDGED_FROM,
    title_only: bool = False,
) -> Reference:
    """Every held article's score for ``text``, BM25F read from its text.

    BM25F with the title counted ``TITLE_WEIGHT`` times (the year a word of
    the headline) and statistics over every held article; the title bonus of
    every word not common; each word's part scaled by how telling it is against
    the query's most telling counted word (its subject weight, set apart by
    headline co-occurrence); the word-match step and exactness bonus of words
    nearly as telling as that (subject words); the best-valued form of each
    word. Scores then agree within float32 rounding, never more.
    """
    stats = Statistics.of(held)
    words = read_words(index, stats, text, judge)
    weights = standing_together(stats, words, judged_from)
    strongest = max((s for w, s in zip(words, weights, strict=True) if w.counted), default=0.0)
    scores, slack, matched = np.zeros(stats.n), np.zeros(stats.n), np.zeros(stats.n, np.int64)
    for word, weight in zip(words, weights, strict=True):
        telling = weight / strongest if strongest else 1.0
        if not word.forms or (word.counted and not telling):
            continue
        subject = word.counted and telling >= ranking.SUBJECT_SHARE
        title_match = ranking.TITLE_MATCH if word.counted else ranking.TITLE_MATCH / 4
        exactness = ranking.EXACTNESS if subject else 0.0
        scale = telling if word.counted else 1.0
        for doc, (title, count) in enumerate(zip(stats.titles, stats.counts, strict=True)):
            values = []
            for term, match, idf in word.forms:
                if title_only:
                    if term in title:
                        values.append((scale * match * idf, 0.0))
                    continue
                tf = count[term]
                if not tf:
                    continue
                norm = K1 * (1 - B + B * stats.normed[doc] / stats.average)
                part = tf * (K1 + 1) / (tf + norm)
                value = scale * match * (part * idf + title_match * (term in title) + exactness)
                values.append((value, scale * match * idf * (K1 + 1) * 1e-6))
            if values:
                value, rounding = max(values)
                scores[doc] += value + (ranking.WORD_MATCH * telling if subject else 0.0)
                slack[doc] += rounding
                matched[doc] += subject
    return Reference(scores, slack + 1e-4 * scores + 1e-3, matched)


def headline_key(title: str) -> tuple[str, ...]:
    """The headline less a re-filing prefix (``UPDATE 2-``, ``WRAPUP 1-``, ``REFILE-``...)."""
    refiled = r"^\s*(UPDATE|WRAPUP|REFILE|RPT|CORRECTED)\s*\d*\s*[-:]\s*"
    return tuple(tokenize(re.sub(refiled, "", title, count=1, flags=re.IGNORECASE)))


def story_versions(held: Held) -> dict[int, tuple[str, ...]]:
    """Per live article (by ``id()`` of its entry), its story's versions' ids, oldest first.

    Two live articles are versions of one story when the loader reported one
    as the other's text under another headline, or when they share a headline
    less its re-filing prefix, each filed within ``WINDOW_DAYS`` of the one
    before and sharing at least half the shorter body's distinct words; a
    story is what those links join, directly or not. () for an article alone.
    """
    live = held.live
    neighbours: dict[int, set[int]] = {id(e): set() for e in live}

    def link(one: Entry, other: Entry) -> None:
        neighbours[id(one)].add(id(other))
        neighbours[id(other)].add(id(one))

    for twin, original in held.twins:
        if twin.live and original.live:
            link(twin, original)
    by_headline: dict[tuple[str, ...], list[Entry]] = {}
    for entry in live:
        by_headline.setdefault(headline_key(entry.article.title), []).append(entry)
    for chain in by_headline.values():
        chain.sort(key=lambda e: e.article.published)
        for earlier, later in pairwise(chain):
            gap = later.article.calendar_date - earlier.article.calendar_date
            words, others = set(tokenize(earlier.article.body)), set(tokenize(later.article.body))
            shared = len(words & others) >= SHARED_WORDS * min(len(words), len(others))
            if gap.days <= WINDOW_DAYS and shared:
                link(earlier, later)
    by_id = {id(e): e for e in live}
    versions: dict[int, tuple[str, ...]] = {}
    for entry in live:
        if id(entry) in versions:
            continue
        story, frontier = {id(entry)}, [id(entry)]
        while frontier:
            for other in neighbours[frontier.pop()] - story:
                story.add(other)
                frontier.append(other)
        members = sorted((by_id[n] for n in story), key=lambda e: e.article.published)
        ids = tuple(e.article.id for e in members) if len(members) > 1 else ()
        versions.update(dict.fromkeys(story, ids))
    return versions


# --- What a typed word stands for -------------------------------------------------


def sound_key(word: str) -> str | None:
    """Metaphone, for vocabulary words of five letters or more, plain letters only."""
    if len(word) < 5 or not (word.isascii() and word.isalpha()):
        return None
    return jellyfish.metaphone(word) or None


def forms_of(
    word: str, df: Counter[str], *, typos: bool, prefix: bool, n_docs: int
) -> dict[str, float]:
    """The terms a typed ``word`` stands for, each with its match weight, by docs/search.md.

    Read against a vocabulary (``df``: the articles holding each term, deleted
    ones included): the word as typed (1); its other number and Arabic forms
    (0.9); typos within the allowed edits (0.7 for one, 0.5 for two; a short
    word the archive has stays exact); words sharing its Metaphone key, when
    the archive lacks the word or they are 20 times as common (0.45, the 8
    most frequent); for a word the archive lacks, words whose key is one edit
    from its key and whose spelling is two edits from it, the longer having 7
    letters or more (0.45, the 8 most frequent); a neighbour 20 times as common
    as a word the archive has weighs 0.9; the last word's completions, most
    frequent first, 64 at most and together no more postings than articles
    (0.8, or more). Typos reach no term with a digit (years, figures) and no
    token of over 24 characters. A word's first reading wins over later ones; the most
    frequent are taken with ties in vocabulary order.
    """
    vocabulary = sorted(df)
    found: dict[str, float] = {}
    known = word in df
    if known:
        found[word] = expansion.EXACT
    if typos:
        for form in (*number_forms(word), *other_forms(word)):
            if form in df:
                found[form] = expansion.SAME_WORD
        if not (known and len(word) < MIN_FUZZY_LENGTH):
            for term in vocabulary if len(word) <= MAX_LENGTH else ():
                if not _typo_matched(term):
                    continue
                edits = OSA.distance(word, term)
                if term != word and edits <= allowed_edits(word, term, unknown=not known):
                    found.setdefault(term, expansion.TYPO[edits])
        key = sound_key(word)
        alike = [t for t in vocabulary if key and sound_key(t) == key]
        if known:
            alike = [t for t in alike if df[t] >= df[word] * expansion.FAR_RARER]
        for term in _most_frequent(alike, df, expansion.MAX_SOUND_TERMS):
            found.setdefault(term, expansion.SOUND)
        if not known:
            near = [
                t
                for t in vocabulary
                if key
                and (other := sound_key(t))
                and OSA.distance(key, other) == 1
                and max(len(word), len(t)) >= expansion.NEAR_FROM
                and OSA.distance(word, t) <= 2
            ]
            for term in _most_frequent(near, df, expansion.MAX_SOUND_TERMS):
                found.setdefault(term, expansion.SOUND)
        if known:
            for term, weight in found.items():
                if weight < expansion.MISHEARD and df[term] >= df[word] * expansion.FAR_RARER:
                    found[term] = expansion.MISHEARD
    if prefix:
        completions = _most_frequent(
            [t for t in vocabulary if t.startswith(word)], df, expansion.MAX_PREFIX_TERMS
        )
        budget = max(1, n_docs)
        taken = 0
        for n, term in enumerate(completions):
            taken += df[term]
            if n and taken > budget:
                break
            found[term] = max(found.get(term, 0.0), expansion.PREFIX)
    return found


def _typo_matched(term: str) -> bool:
    """Whether typos may reach ``term``: words of 3 to 24 letters, no digits (a year is exact)."""
    return 3 <= len(term) <= MAX_LENGTH and not any(c.isdigit() for c in term)


def _most_frequent(terms: list[str], df: Counter[str], most: int) -> list[str]:
    return sorted(terms, key=lambda t: (-df[t], t))[:most]
