"""The search engine's front door: build once, then search, autocomplete and look up."""

from __future__ import annotations

import logging
import random
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from bot.archive.model import Article
from bot.archive.outlets import closest_outlet
from bot.archive.text import normalise, starts_word, tokenize
from bot.errors import UnknownSource
from bot.search.expansion import Expander
from bot.search.fuzzy import FuzzyIndex
from bot.search.keywords import KEY_WORDS, key_words
from bot.search.postings import Postings, build_postings
from bot.search.query import Query, parse_query
from bot.search.ranking import WORD_MATCH, score, top
from bot.search.sounds import SoundIndex
from bot.search.stories import story_groups, versions_of
from bot.search.types import Filters, Hit, Order, Suggestion

log = logging.getLogger(__name__)

PHRASE_CHECKS = 500  # ranked candidates holding every phrase word checked before giving up
MAX_SUGGESTIONS = 25
SOURCES_LISTED = 5  # named in that error when none is close
# Paging and popular queries repeat a search; hits are immutable, so the last
# searches are kept with their snippets. Each is a few KB and some thirty objects
# the garbage collector walks, so the table holds minutes of a busy bot's paging
# and no more (measured: docs/benchmarks.md, "The garbage collector").
RECENT_SEARCHES = 1024
MAX_RESULTS = 100  # the most any caller may ask for (the CLI's --limit range); each costs a snippet
STORY_SLACK = 8  # extra hits ranked so that skipping other versions still fills a page


@dataclass
class SearchIndex:
    articles: Sequence[Article]
    postings: Postings
    fuzzy: FuzzyIndex
    aliases: Mapping[str, str] = field(default_factory=dict)
    sounds: SoundIndex | None = None  # built from the terms when not given (a cache has it)
    # Per article, its story's first version (see bot.search.stories); grouped by
    # headline alone when not given, since only the loader knows which texts are twins.
    groups: np.ndarray | None = None

    def __post_init__(self) -> None:
        self._by_id = {article.id: n for n, article in enumerate(self.articles)}
        self._ordinals = np.fromiter(
            (a.calendar_date.toordinal() for a in self.articles), np.int32, len(self.articles)
        )
        self._timestamps = np.fromiter(
            (a.published.timestamp() for a in self.articles), np.float64, len(self.articles)
        )
        self.sources = sorted({a.source for a in self.articles}, key=str.casefold)
        source_ids = {s.casefold(): n for n, s in enumerate(self.sources)}
        self._source_ids = np.fromiter(
            (source_ids[a.source.casefold()] for a in self.articles), np.int32, len(self.articles)
        )
        self._source_lookup = source_ids
        self._newest_first = np.argsort(-self._timestamps, kind="stable")
        groups = self.groups if self.groups is not None else story_groups(self.articles, {})
        sounds = self.sounds if self.sounds is not None else SoundIndex.build(self.postings.terms)
        self.groups, self.sounds = groups, sounds
        self._stories = groups  # the same array, typed as always there
        self._versions = versions_of(groups, self._timestamps)
        self._expander = Expander(self.postings, self.fuzzy, len(self.articles), sounds)
        self._recent: OrderedDict[tuple[str, int, Filters | None, Order], list[Hit]] = OrderedDict()

    @classmethod
    def build(
        cls,
        articles: Sequence[Article],
        aliases: Mapping[str, str] | None = None,
        twins: Mapping[str, str] | None = None,
    ) -> SearchIndex:
        """Index ``articles``; ``twins`` maps an article with another's text to that other."""
        started = time.perf_counter()
        articles = list(articles)
        postings = build_postings(articles)
        fuzzy = FuzzyIndex.build(postings.terms)
        groups = story_groups(articles, twins or {})
        log.info(
            "Indexed %d articles (%d terms) in %.1f s",
            len(articles),
            len(postings.terms),
            time.perf_counter() - started,
        )
        return cls(articles, postings, fuzzy, dict(aliases or {}), groups=groups)

    def get(self, article_id: str) -> Article | None:
        position = self._by_id.get(self.aliases.get(article_id, article_id))
        return None if position is None else self.articles[position]

    def search(
        self,
        text: str,
        *,
        limit: int = 10,
        filters: Filters | None = None,
        order: Order = Order.BEST,
    ) -> list[Hit]:
        """Ranked hits for ``text``; raises ``EmptyQuery`` when it has no words.

        ``Order.NEWEST`` and ``OLDEST`` list by date the articles that match as
        many of the query's words as the best match does: the latest story on
        a subject, not the latest mention of any one of its words. ``limit``
        is held to 1-``MAX_RESULTS`` whatever a caller passes.
        """
        limit = min(max(limit, 1), MAX_RESULTS)
        key = (text, limit, filters, order)
        if (recent := self._recent.get(key)) is not None:
            self._recent.move_to_end(key)
            return list(recent)
        hits = self._search(text, limit, filters, order)
        self._recent[key] = hits
        if len(self._recent) > RECENT_SEARCHES:
            self._recent.popitem(last=False)
        return list(hits)

    def _search(self, text: str, limit: int, filters: Filters | None, order: Order) -> list[Hit]:
        query = parse_query(text)
        by_date = order is not Order.BEST
        scored = score(query, self._expander, len(self.articles), count_words=by_date)
        scores = scored.scores
        if filters is not None:
            scores = np.where(self._filter_mask(filters), scores, np.float32(0))
        if query.phrases:
            ranked = self._one_per_story(
                lambda n: self._with_phrases(query, scores, n, order, scored.counts), limit
            )
        else:
            ranked = self._one_per_story(
                lambda n: self._ranked(scores, n, order, scored.counts).tolist(), limit
            )
        terms = frozenset(self.postings.terms[t] for t in scored.term_ids)
        return [Hit(self.articles[d], float(scores[d]), terms, self.versions(d)) for d in ranked]

    def versions(self, position: int) -> tuple[str, ...]:
        """The ids of every version of the story at ``position``, oldest first; () when alone."""
        members = self._versions.get(int(self._stories[position]), ())
        return tuple(self.articles[n].id for n in members)

    def _one_per_story(self, ranked: Callable[[int], list[int]], limit: int) -> list[int]:
        """The first ``limit`` stories of ``ranked``, each shown by its best-ranked version.

        A few more than ``limit`` are ranked, so the versions a page skips rarely
        need a second pass; when they do, twice as many are ranked.
        """
        want = limit + STORY_SLACK
        while True:
            found = ranked(want)
            shown: list[int] = []
            seen: set[int] = set()
            for doc in found:
                story = int(self._stories[doc])
                if story not in seen:
                    seen.add(story)
                    shown.append(doc)
                    if len(shown) == limit:
                        return shown
            if len(found) < want:
                return shown
            want *= 2

    def _ranked(
        self, scores: np.ndarray, limit: int, order: Order, counts: np.ndarray | None
    ) -> np.ndarray:
        """The first ``limit`` documents in ``order``; only positive scores count.

        A date order needs ``counts``, the query words each document matched.
        """
        if order is Order.BEST or counts is None:
            return top(scores, limit, self._timestamps)
        candidates = np.flatnonzero(scores > 0)
        if not len(candidates):
            return candidates
        matched = counts[candidates]
        matching = candidates[matched == matched.max()]
        when = self._timestamps[matching]
        by_date = np.lexsort((-scores[matching], when if order is Order.OLDEST else -when))
        return matching[by_date[:limit]]

    def _with_phrases(
        self, query: Query, scores: np.ndarray, limit: int, order: Order, counts: np.ndarray | None
    ) -> list[int]:
        """The best-ranked documents that contain every quoted phrase, words adjacent.

        Only documents holding all the phrase words can match, so the postings
        narrow the field first; adjacency is then checked in rank order with
        one regex per phrase, stopping as soon as ``limit`` are found.
        """
        words = {word for phrase in query.phrases for word in phrase}
        allowed = self._docs_with_all(words)
        if allowed is None:
            return []
        narrowed = np.zeros_like(scores)
        narrowed[allowed] = scores[allowed]
        patterns = [_phrase_pattern(phrase) for phrase in query.phrases]
        found = []
        for doc in self._ranked(narrowed, PHRASE_CHECKS, order, counts).tolist():
            if self._has_phrases(doc, patterns):
                found.append(doc)
                if len(found) == limit:
                    break
        return found

    def _docs_with_all(self, words: set[str]) -> np.ndarray | None:
        """Documents containing every word exactly; None when some word is in none.

        Starting from the rarest word's list, each further (sorted) list is
        probed by binary search, so common words cost a lookup per survivor.
        """
        postings = self.postings
        spans = []
        for word in words:
            term_id = postings.term_id(word)
            if term_id is None:
                return None
            spans.append(postings.span(term_id))
        spans.sort(key=lambda span: span.stop - span.start)
        docs = postings.docs[spans[0]]
        for span in spans[1:]:
            these = postings.docs[span]
            at = np.minimum(np.searchsorted(these, docs), len(these) - 1)
            docs = docs[these[at] == docs]
            if not len(docs):
                return None
        return docs

    def random(self, rng: random.Random, filters: Filters | None = None) -> Article | None:
        """A random article among those ``filters`` allow; None when they allow none.

        The filters are checked on arrays, so an archive of 10^6 articles costs
        a millisecond, and an outlet is named as in ``search`` (did-you-mean).
        """
        if filters is None:
            allowed = np.arange(len(self.articles))
        else:
            allowed = np.flatnonzero(self._filter_mask(filters))
        if not len(allowed):
            return None
        return self.articles[int(allowed[rng.randrange(len(allowed))])]

    def key_words(self, text: str, limit: int = KEY_WORDS) -> list[str]:
        """The words of a chat message to search for (see :mod:`bot.search.keywords`)."""
        return key_words(text, self.postings, len(self.articles), limit)

    def autocomplete(self, text: str, *, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        """Titles matching what has been typed, then body matches; newest first when empty."""
        limit = min(limit, MAX_SUGGESTIONS)
        if not tokenize(text):
            chosen = self._newest_first[:limit].tolist()
        else:
            query = parse_query(text)
            title = score(query, self._expander, len(self.articles), title_only=True)
            chosen = top(title.scores, limit, self._timestamps).tolist()
            if len(chosen) < limit:
                full = score(query, self._expander, len(self.articles)).scores
                full[chosen] = 0
                chosen += top(full, limit - len(chosen), self._timestamps).tolist()
        return [
            Suggestion(article.id, article.title, article.calendar_date)
            for article in map(self.articles.__getitem__, chosen)
        ]

    def _filter_mask(self, filters: Filters) -> np.ndarray:
        mask = np.ones(len(self.articles), dtype=bool)
        if filters.after is not None:
            mask &= self._ordinals >= filters.after.toordinal()
        if filters.before is not None:
            mask &= self._ordinals <= filters.before.toordinal()
        if filters.source is not None:
            mask &= self._source_ids == self._source_id(filters.source)
        return mask

    def _source_id(self, name: str) -> int:
        """The outlet ``name`` means, in any case; :class:`UnknownSource` names a close one."""
        found = self._source_lookup.get(name.strip().casefold())
        if found is not None:
            return found
        guess = closest_outlet(name, self.sources)
        if guess:
            hint = f" Did you mean “{guess}”?"
        else:
            shown = ", ".join(self.sources[:SOURCES_LISTED])
            more = ", …" if len(self.sources) > SOURCES_LISTED else ""
            hint = f" It has {len(self.sources)}: {shown}{more}."
        raise UnknownSource(f"The archive has no outlet called “{name.strip()}”.{hint}")

    def _has_phrases(self, doc: int, patterns: list[re.Pattern[str]]) -> bool:
        article = self.articles[doc]
        fields = (normalise(article.title), normalise(article.body))
        return all(any(_found(p, field) for field in fields) for p in patterns)


@lru_cache(maxsize=256)
def _phrase_pattern(phrase: tuple[str, ...]) -> re.Pattern[str]:
    """``phrase``'s words in a row in normalised text, split as ``tokenize`` splits.

    It opens with the first word itself (no look-behind), so the regex engine
    jumps between that word's occurrences instead of trying every position;
    :func:`_found` checks that a match starts a word.
    """
    words = r"[\W_]+".join(map(re.escape, phrase))
    return re.compile(rf"{words}(?![^\W_])")


def _found(pattern: re.Pattern[str], text: str) -> bool:
    match = pattern.search(text)
    while match is not None:
        start = match.start()
        if starts_word(text, start):
            return True
        match = pattern.search(text, start + 1)  # a later match may overlap this one
    return False


__all__ = ["WORD_MATCH", "SearchIndex"]
