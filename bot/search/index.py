"""The search engine's front door: build once, then search, autocomplete and look up."""

from __future__ import annotations

import logging
import random
import re
import time
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import lru_cache

import numpy as np

from bot.archive.model import Article
from bot.archive.outlets import closest_outlet
from bot.archive.stats import ArchiveStats, archive_stats
from bot.archive.text import normalise, starts_word, tokenize
from bot.errors import UnknownSource
from bot.search.expansion import Expander
from bot.search.keywords import KEY_WORDS, key_words
from bot.search.lexicon import Lexicon
from bot.search.query import Query, parse_query
from bot.search.ranking import WORD_MATCH, score, ties_by_name, top
from bot.search.segment import Segment
from bot.search.stories import Versions, chain_links, groups_from, twin_links
from bot.search.types import Filters, Hit, Order, Suggestion
from bot.search.views import Gathered, id_at

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


LINK_TWIN, LINK_CHAIN = 0, 1  # why two articles are one story: same text, or a re-filing


class SearchIndex:
    """An archive's immutable segments, searched and ranked as one index.

    Documents are numbered globally: a segment's base (the documents of the
    segments before it) plus the position within it. Deleted documents stay in
    their segment, marked in its deleted set, and never appear in any answer
    (search, autocomplete, random, get, story versions, outlets, and the
    ``articles`` the calendar is made from); a merge drops them. Ranking uses
    the union vocabulary and statistics summed over segments
    (:mod:`bot.search.lexicon`), so an index built in several segments ranks
    exactly as one build of the same articles in the same order.

    An index never changes: :meth:`with_segment`, :meth:`without` and
    :meth:`merged` return a new index that shares the unchanged segments.
    """

    def __init__(
        self,
        segments: Sequence[Segment],
        *,
        deleted: Sequence[np.ndarray | None] | None = None,
        aliases: Mapping[str, str] | None = None,
        links: np.ndarray | None = None,
    ) -> None:
        """An index over ``segments``, in order; prefer :meth:`build` and the ``with`` methods.

        ``deleted`` holds per segment a bool array of its deleted documents (None:
        none); ``links`` is an (n, 3) int32 array of story links (two global
        positions and ``LINK_TWIN`` or ``LINK_CHAIN``) among live documents.
        """
        self.segments = tuple(segments)
        self.deleted = tuple(deleted) if deleted is not None else (None,) * len(self.segments)
        if len(self.deleted) != len(self.segments):
            raise ValueError("one deleted set per segment")
        self.aliases = dict(aliases or {})
        self.links = links if links is not None else np.zeros((0, 3), np.int32)
        sizes = [len(segment) for segment in self.segments]
        self.bases = np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)])
        # Views over the segments' articles (tables for a cached index), not lists:
        # an Article is made when one is asked for.
        self._all = Gathered([segment.articles for segment in self.segments])
        self._size = len(self._all)
        self._live = _live_mask(self.segments, self.deleted)
        live = np.arange(self._size) if self._live is None else np.flatnonzero(self._live)
        self._live_positions = live
        self.articles: Sequence[Article] = (
            self._all if self._live is None else Gathered(self._all.parts, live)
        )
        self.lexicon = Lexicon([(s.postings, s.fuzzy, s.sounds) for s in self.segments])
        self._ordinals = _joined([s.ordinals for s in self.segments], np.int32)
        self._timestamps = _joined([s.timestamps for s in self.segments], np.float64)
        self.sources, self._source_lookup, self._source_ids = _outlets(self.segments, self._live)
        self._newest_first = live[np.argsort(-self._timestamps[live], kind="stable")]
        self._stories = groups_from(self._size, self.links[:, :2])
        # Per live article (parallel to ``articles``), its story's first version.
        self.groups = self._stories if self._live is None else self._stories[live]
        self._versions = Versions(self._stories, self._timestamps)
        self._expander = Expander(self.lexicon, self.lexicon.fuzzy, self._size, self.lexicon.sounds)
        self._recent: OrderedDict[tuple[str, int, Filters | None, Order], list[Hit]] = OrderedDict()

    @classmethod
    def build(
        cls,
        articles: Sequence[Article],
        aliases: Mapping[str, str] | None = None,
        twins: Mapping[str, str] | None = None,
        *,
        files: Sequence[str | None] | None = None,
    ) -> SearchIndex:
        """Index ``articles`` as one segment; ``twins`` maps an article with another's text
        to that other; ``files`` names each article's archive file (parallel), if known."""
        started = time.perf_counter()
        articles = list(articles)
        segment = Segment.build(articles, files)
        links = story_links(articles, twins or {})
        log.info(
            "Indexed %d articles (%d terms) in %.1f s",
            len(articles),
            len(segment.postings.terms),
            time.perf_counter() - started,
        )
        return cls([segment], aliases=aliases, links=links)

    # --- making new indexes from this one (the API the archive's updates use) ---

    def with_segment(
        self,
        articles: Sequence[Article],
        *,
        files: Sequence[str | None] | None = None,
        aliases: Mapping[str, str] | None = None,
        twins: Mapping[str, str] | None = None,
    ) -> SearchIndex:
        """A new index: this one's segments, then one more indexing ``articles``.

        ``files`` names each article's archive file (parallel to ``articles``),
        so :meth:`without` can delete a file's articles later. An article whose
        id this index already holds replaces it: the older copy is deleted.
        ``aliases`` (dropped duplicate's id -> kept id) and ``twins`` (article
        with another's text -> that other) are as the loader reports them for
        ``articles``; a twin's original may be in any segment. Story versions are re-linked across
        segments, so grouping, like ranking, is as one build's. This index is
        unchanged; the new one shares its segments (nothing is copied).
        """
        return self.with_segments([Segment.build(articles, files)], aliases=aliases, twins=twins)

    def with_segments(
        self,
        segments: Sequence[Segment],
        *,
        aliases: Mapping[str, str] | None = None,
        twins: Mapping[str, str] | None = None,
    ) -> SearchIndex:
        """:meth:`with_segment` for segments already built (each added after the others)."""
        index = self
        for segment in segments:
            ids = [id_at(segment.articles, n) for n in range(len(segment))]
            found = index._positions(ids)
            replaced = found[found >= 0].tolist()
            deleted = [*_deleted_with(index, replaced), None]
            all_articles = Gathered([*index._all.parts, segment.articles])
            positions = {article_id: index._size + n for n, article_id in enumerate(ids)}
            twin_pairs = [
                (positions[twin], where)
                for twin, original in (twins or {}).items()
                if twin in positions
                and (where := positions.get(original, index._position(original))) is not None
                and where not in replaced
            ]
            touched = np.concatenate([segment.headline_hashes, index._headline_hashes(replaced)])
            live = _live_mask([*index.segments, segment], deleted)
            links = _relinked(
                index, index.links, replaced, touched, all_articles, live, [segment], twin_pairs
            )
            index = SearchIndex(
                [*index.segments, segment],
                deleted=deleted,
                aliases={**index.aliases, **(aliases or {})},
                links=links,
            )
        return index

    def without(
        self,
        ids: Iterable[str] = (),
        *,
        files: Iterable[str] = (),
    ) -> SearchIndex:
        """A new index in which the articles ``ids`` and those from ``files`` are deleted.

        The articles stay in their segments, marked deleted, until a merge drops
        them; like Lucene, the ranking statistics (document frequencies, average
        length) still count them until then. ``files`` are archive file names
        as given to :meth:`with_segment`. Unknown ids and files are ignored.
        """
        positions = {p for i in ids if (p := self._position(i)) is not None}
        paths = set(files)
        if paths:
            for segment, base in zip(self.segments, self.bases.tolist(), strict=False):
                positions.update((segment.from_files(paths) + base).tolist())
        if self._live is not None:
            positions = {p for p in positions if self._live[p]}
        gone = sorted(positions)
        deleted = _deleted_with(self, gone)
        live = _live_mask(self.segments, deleted)
        touched = self._headline_hashes(gone)
        links = _relinked(self, self.links, gone, touched, self._all, live, [], [])
        return SearchIndex(
            self.segments,
            deleted=deleted,
            aliases=self.aliases,
            links=links,
        )

    @property
    def calendar_columns(self) -> tuple[np.ndarray, np.ndarray]:
        """Per live article (parallel to ``articles``): its calendar date's ordinal, its time."""
        live = self._live_positions
        return self._ordinals[live], self._timestamps[live]

    def stats(self) -> ArchiveStats:
        """The live articles' numbers (how many, from when, from whom), from columns."""
        counts: Counter[str] = Counter()
        for segment, base in zip(self.segments, self.bases.tolist(), strict=False):
            names, codes = segment.outlets
            if self._live is not None:
                codes = codes[self._live[base : base + len(codes)]]
            per_name = np.bincount(codes, minlength=len(names)).tolist()
            counts.update({name: n for name, n in zip(names, per_name, strict=True) if n})
        return archive_stats(self.calendar_columns[0], counts)

    def deleted_count(self, segment: int) -> int:
        """How many of segment number ``segment``'s documents are deleted."""
        deleted = self.deleted[segment]
        return 0 if deleted is None else int(np.count_nonzero(deleted))

    def file_of(self, article_id: str) -> str | None:
        """The archive file a live article came from, as given to :meth:`with_segment`."""
        position = self._position(article_id)
        if position is None:
            return None
        segment = int(np.searchsorted(self.bases, position, side="right")) - 1
        return self.segments[segment].file_of(position - int(self.bases[segment]))

    def _position(self, article_id: str) -> int | None:
        """The global position of the live article ``article_id``; None when there is none."""
        position = int(self._positions([article_id])[0])
        return None if position < 0 else position

    def _positions(self, ids: Sequence[str]) -> np.ndarray:
        """The global position of each live article of ``ids`` (int64); -1 where none is."""
        found = np.full(len(ids), -1, np.int64)
        for segment, base in zip(reversed(self.segments), self.bases[-2::-1].tolist(), strict=True):
            wanted = np.flatnonzero(found < 0)
            if not len(wanted):
                break
            at = segment.positions.find([ids[n] for n in wanted.tolist()]) + base
            hit = at >= base
            if self._live is not None:  # a deleted copy: an older segment may hold a live one
                hit[hit] = self._live[at[hit]]
            found[wanted] = np.where(hit, at, -1)
        return found

    def _headline_hashes(self, positions: Sequence[int]) -> np.ndarray:
        """The headline hashes of the articles at global ``positions``."""
        if not len(positions):
            return np.zeros(0, np.uint64)
        return _joined([s.headline_hashes for s in self.segments], np.uint64)[list(positions)]

    def get(self, article_id: str) -> Article | None:
        position = self._position(self.aliases.get(article_id, article_id))
        return None if position is None else self._all[position]

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
        scored = score(query, self._expander, self._size, count_words=by_date)
        scores = self._masked(scored.scores, filters)
        if query.phrases:
            ranked = self._one_per_story(
                lambda n: self._with_phrases(query, scores, n, order, scored.counts), limit
            )
        else:
            ranked = self._one_per_story(
                lambda n: self._ranked(scores, n, order, scored.counts).tolist(), limit
            )
        terms = frozenset(self.lexicon.terms[t] for t in scored.term_ids)
        return [Hit(self._all[d], float(scores[d]), terms, self.versions(d)) for d in ranked]

    def versions(self, position: int) -> tuple[str, ...]:
        """The ids of every version of the story at ``position``, oldest first; () when alone."""
        members = self._versions.get(int(self._stories[position]))
        return tuple(map(self._all.id_at, members))

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

    def _id_at(self, position: int) -> str:
        return self._all.id_at(position)

    def _ranked(
        self, scores: np.ndarray, limit: int, order: Order, counts: np.ndarray | None
    ) -> np.ndarray:
        """The first ``limit`` documents in ``order``; only positive scores count.

        A date order needs ``counts``, the query words each document matched.
        """
        if order is Order.BEST or counts is None:
            return top(scores, limit, self._timestamps, self._id_at)
        candidates = np.flatnonzero(scores > 0)
        if not len(candidates):
            return candidates
        matched = counts[candidates]
        matching = candidates[matched == matched.max()]
        when = self._timestamps[matching]
        ranked = matching[np.lexsort((-scores[matching], when if order is Order.OLDEST else -when))]
        # Ties on date and score go by id, as in the best-first order: positions depend
        # on the order the archive was indexed in. The run tied with the last one shown
        # may go on past it, so it is sorted whole.
        cut = min(limit, len(ranked))
        while (
            0 < cut < len(ranked)
            and self._timestamps[ranked[cut]] == self._timestamps[ranked[cut - 1]]
            and scores[ranked[cut]] == scores[ranked[cut - 1]]
        ):
            cut += 1
        return ties_by_name(ranked[:cut], scores, self._timestamps, self._id_at)[:limit]

    def _with_phrases(
        self, query: Query, scores: np.ndarray, limit: int, order: Order, counts: np.ndarray | None
    ) -> list[int]:
        """The best-ranked documents that contain every quoted phrase, words adjacent.

        Only documents holding all the phrase words can match, so the postings
        narrow the field first; adjacency is then checked in rank order with
        one regex per phrase, stopping as soon as ``limit`` are found.
        """
        words = {word for phrase in query.phrases for word in phrase}
        allowed = self.lexicon.docs_with_all(words)
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

    def random(self, rng: random.Random, filters: Filters | None = None) -> Article | None:
        """A random article among those ``filters`` allow; None when they allow none.

        The filters are checked on arrays, so an archive of 10^6 articles costs
        a millisecond, and an outlet is named as in ``search`` (did-you-mean).
        """
        if filters is None:
            allowed = self._live_positions
        else:
            allowed = np.flatnonzero(self._filter_mask(filters))
        if not len(allowed):
            return None
        return self._all[int(allowed[rng.randrange(len(allowed))])]

    def key_words(self, text: str, limit: int = KEY_WORDS) -> list[str]:
        """The words of a chat message to search for (see :mod:`bot.search.keywords`)."""
        return key_words(text, self.lexicon, self._size, limit)

    def autocomplete(self, text: str, *, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
        """Titles matching what has been typed, then body matches; newest first when empty."""
        limit = min(limit, MAX_SUGGESTIONS)
        if not tokenize(text):
            chosen = self._newest_first[:limit].tolist()
        else:
            query = parse_query(text)
            title = self._masked(score(query, self._expander, self._size, title_only=True).scores)
            chosen = top(title, limit, self._timestamps, self._id_at).tolist()
            if len(chosen) < limit:
                full = self._masked(score(query, self._expander, self._size).scores)
                full[chosen] = 0
                chosen += top(full, limit - len(chosen), self._timestamps, self._id_at).tolist()
        return [
            Suggestion(article.id, article.title, article.calendar_date)
            for article in map(self._all.__getitem__, chosen)
        ]

    def _masked(self, scores: np.ndarray, filters: Filters | None = None) -> np.ndarray:
        """``scores`` with those of deleted documents and of any ``filters`` leaves at 0."""
        if filters is not None:
            return np.where(self._filter_mask(filters), scores, np.float32(0))
        if self._live is not None:
            return np.where(self._live, scores, np.float32(0))
        return scores

    def _filter_mask(self, filters: Filters) -> np.ndarray:
        """The live documents ``filters`` allow."""
        mask = np.ones(self._size, dtype=bool) if self._live is None else self._live.copy()
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
        article = self._all[doc]
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


def _joined(arrays: list[np.ndarray], dtype: type) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=dtype)


def _outlets(
    segments: Sequence[Segment], live: np.ndarray | None
) -> tuple[list[str], dict[str, int], np.ndarray]:
    """The live articles' outlets (sorted as people read them), their numbers by
    casefolded name, and per global position its outlet's number (-1: none live)."""
    named: set[str] = set()
    base = 0
    for segment in segments:
        names, codes = segment.outlets
        used = codes if live is None else codes[live[base : base + len(codes)]]
        named.update(names[n] for n in np.unique(used).tolist())
        base += len(codes)
    sources = sorted(named, key=str.casefold)
    lookup = {name.casefold(): n for n, name in enumerate(sources)}
    numbers = [
        np.asarray([lookup.get(name.casefold(), -1) for name in names], np.int32)[codes]
        for names, codes in (segment.outlets for segment in segments)
        if len(codes)
    ]
    return sources, lookup, _joined(numbers, np.int32)


def _live_mask(
    segments: Sequence[Segment], deleted: Sequence[np.ndarray | None]
) -> np.ndarray | None:
    """Per global position, whether it is live; None when nothing is deleted."""
    if not any(d is not None and d.any() for d in deleted):
        return None
    return np.concatenate(
        [
            ~d if d is not None else np.ones(len(s), bool)
            for s, d in zip(segments, deleted, strict=True)
        ]
    )


def _deleted_with(index: SearchIndex, positions: Sequence[int]) -> list[np.ndarray | None]:
    """``index``'s deleted sets with the global ``positions`` added (new arrays, never in place)."""
    deleted = list(index.deleted)
    if not len(positions):
        return deleted
    at = np.asarray(positions, dtype=np.int64)
    segment_of = np.searchsorted(index.bases, at, side="right") - 1
    for segment in np.unique(segment_of).tolist():
        marks = np.zeros(len(index.segments[segment]), bool)
        if deleted[segment] is not None:
            marks |= deleted[segment]
        marks[at[segment_of == segment] - index.bases[segment]] = True
        deleted[segment] = marks
    return deleted


def story_links(
    articles: Sequence[Article],
    twins: Mapping[str, str],
    chains: Iterable[tuple[int, int]] | np.ndarray | None = None,
) -> np.ndarray:
    """The story links among ``articles`` (positions), as :class:`SearchIndex` keeps them.

    ``twins`` maps an article with another's text to that other; ``chains``
    are the re-filing chains' links when already drawn (in shares, by other
    processes: in any order), else they are drawn here.
    """
    return _links(twin_links(articles, twins), chain_links(articles) if chains is None else chains)


def _links(
    twins: Iterable[tuple[int, int]], chains: Iterable[tuple[int, int]] | np.ndarray
) -> np.ndarray:
    """Twin links, then chain links in order of their positions: the same rows however
    the chains were drawn (whole, or in shares by several processes)."""
    pairs = np.asarray(chains if isinstance(chains, np.ndarray) else list(chains), np.int32)
    pairs = pairs.reshape(-1, 2)
    pairs = pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
    rows = [(a, b, LINK_TWIN) for a, b in twins]
    chained = np.column_stack([pairs, np.full(len(pairs), LINK_CHAIN, np.int32)])
    return np.concatenate([np.asarray(rows, dtype=np.int32).reshape(-1, 3), chained])


def _relinked(  # noqa: PLR0913 - one step of an update, all of it needed
    index: SearchIndex,
    links: np.ndarray,
    gone: Sequence[int],
    touched: np.ndarray,
    articles: Sequence[Article],
    live: np.ndarray | None,
    added: Sequence[Segment],
    twins: Sequence[tuple[int, int]],
) -> np.ndarray:
    """Story links after deleting ``gone`` and adding ``added``: as a fresh build would link.

    Links touching a deleted article go; the re-filing chains of every
    headline hashed in ``touched`` are drawn again over all its live versions, old and
    new (an article between two versions changes which pairs are compared).
    """
    keep = np.ones(len(links), bool)
    if len(gone):
        keep &= ~np.isin(links[:, :2], np.asarray(gone)).any(axis=1)
    hashes = _joined([segment.headline_hashes for segment in (*index.segments, *added)], np.uint64)
    concerned = np.isin(hashes, touched)
    redrawn = np.zeros(len(links), bool)
    if len(links) and len(touched):
        redrawn = (links[:, 2] == LINK_CHAIN) & concerned[links[:, 0]] & keep
        keep &= ~redrawn
    if live is not None:
        concerned &= live
    members = np.flatnonzero(concerned).tolist()
    known = set(map(tuple, links[redrawn, :2].tolist()))
    return np.concatenate([links[keep], _links(twins, chain_links(articles, members, known))])


__all__ = ["LINK_CHAIN", "LINK_TWIN", "WORD_MATCH", "SearchIndex"]
