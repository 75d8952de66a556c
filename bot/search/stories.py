"""One hit per story: the versions of a story that a newsroom re-files, grouped.

Reuters files a developing story again and again ("UPDATE 1-", "UPDATE 2-", a
factbox under two ids), so a result list of one subject can show the same
story three times. Two articles are versions of one story when they have the
same text under different headlines (the loader keeps both: each headline is
searchable), or the same headline, less its re-filing prefix, within
``WINDOW_DAYS`` of each other and bodies that share at least ``SHARED_WORDS``
of the shorter one's words (an update adds paragraphs; a recurring headline
such as "Stocks rise" over another day's market does not share them). In the
34k Reuters archive 986 headlines repeat within three days; their bodies share
a median of 100% of their words. Bodies that are nearly but not exactly the
same under different headlines are not detected.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Container, Iterable, Mapping, Sequence
from itertools import pairwise

import numpy as np

from bot.archive.model import Article
from bot.archive.text import tokenize
from bot.search.hashing import text_hashes
from bot.search.views import moments_at, strings_at

WINDOW_DAYS = 3  # between one version and the next
SHARED_WORDS = 0.5
REFILED = re.compile(r"^\s*(?:update|wrapup|refile|rpt|corrected)\s*\d*\s*[-:]\s*", re.IGNORECASE)


def headline_key(title: str) -> str:
    """The headline as its versions share it: re-filing prefix off, words normalised."""
    return " ".join(tokenize(REFILED.sub("", title, count=1)))


def headline_hashes(keys: Iterable[str]) -> np.ndarray:
    """A 64-bit hash of each headline key (uint64), the same in every process.

    Updates find the stories a new article may join by comparing these, not
    the keys: they are saved with each segment, so a process that opens a
    cached index of 10^6 articles need not derive every headline again. Two
    keys sharing a hash only add candidates; chains are drawn on the keys.
    """
    return text_hashes(keys)


def story_groups(articles: Sequence[Article], twins: Mapping[str, str]) -> np.ndarray:
    """Per article, the position of its story's first version (itself when alone).

    ``twins`` maps the id of an article whose text another has to that other's id.
    """
    return groups_from(len(articles), [*twin_links(articles, twins), *chain_links(articles)])


def twin_links(articles: Sequence[Article], twins: Mapping[str, str]) -> list[tuple[int, int]]:
    """Pairs of positions of articles with the same text (``twins``: id -> the other's id)."""
    position = {article.id: n for n, article in enumerate(articles)}
    return [
        (position[twin], position[original])
        for twin, original in twins.items()
        if twin in position and original in position
    ]


def chain_links(
    articles: Sequence[Article],
    members: Iterable[int] | None = None,
    linked: Container[tuple[int, int]] = (),
    share: tuple[int, int] = (0, 1),
) -> list[tuple[int, int]]:
    """Pairs of positions that are consecutive versions of one headline's story.

    Within each headline (less its re-filing prefix), the articles are taken in
    order of publication and each is joined to the next when it came within
    ``WINDOW_DAYS`` and their bodies share most words. ``members`` limits this
    to those positions (all the articles of the headlines concerned, or the
    chains differ); every position when not given. Pairs in ``linked`` were
    found to share their text before (whether two bodies do depends on them
    alone), so an update does not read them again. ``share`` (k, n) draws
    only the headlines whose :func:`headline_share` of n is k: n processes
    then draw an archive's chains between them, each reading other bodies.
    """
    # Titles and times are read as columns: from an index's view, an article is made
    # only for the bodies a pair compares.
    positions = np.arange(len(articles)) if members is None else np.unique(list(members))
    titles = strings_at(articles, positions, "title")
    instants, days = (
        dict(zip(positions.tolist(), c.tolist(), strict=True))
        for c in moments_at(articles, positions).T
    )
    by_headline: dict[str, list[int]] = {}
    for n, title in zip(positions.tolist(), titles, strict=True):
        by_headline.setdefault(headline_key(title), []).append(n)
    links = []
    part, parts = share
    for headline, chain in by_headline.items():
        if len(chain) < 2 or (parts > 1 and headline_share(headline, parts) != part):
            continue
        chain.sort(key=instants.__getitem__)
        known: set[str] | None = None  # the words of ``earlier``, when already read
        for earlier, later in pairwise(chain):
            words = None
            if days[later] - days[earlier] <= WINDOW_DAYS:
                if (earlier, later) in linked:
                    links.append((earlier, later))
                else:
                    known = _words(articles[earlier]) if known is None else known
                    words = _words(articles[later])
                    if _share_words(known, words):
                        links.append((earlier, later))
            known = words  # a body between two others is read once, not once a pair
    return links


def headline_share(headline: str, parts: int) -> int:
    """Which of ``parts`` shares a headline key falls to, the same in every process."""
    return zlib.crc32(headline.encode("utf-8", "surrogatepass")) % parts


def groups_from(size: int, links: np.ndarray | Iterable[tuple[int, int]]) -> np.ndarray:
    """Per position, the smallest position it is linked to, directly or not (int32).

    Union-find in whole-array steps (hook each link's larger root onto the
    smaller, then halve every path until each position points at its root),
    so its cost is a few passes over the links and positions: a replicated
    archive of 10^6 articles has about as many links as articles.
    """
    pairs = np.asarray(links if isinstance(links, np.ndarray) else list(links), dtype=np.int64)
    parent = np.arange(size, dtype=np.int64)
    if not pairs.size:
        return parent.astype(np.int32)
    first, second = pairs.reshape(-1, 2).T
    while True:
        roots_first, roots_second = parent[first], parent[second]
        apart = roots_first != roots_second
        if not apart.any():
            return parent.astype(np.int32)
        low = np.minimum(roots_first[apart], roots_second[apart])
        np.minimum.at(parent, roots_first[apart], low)  # roots only: the forest stays a forest
        np.minimum.at(parent, roots_second[apart], low)
        while not np.array_equal(up := parent[parent], parent):
            parent = up


def _words(article: Article) -> set[str]:
    return set(tokenize(article.body))


def _share_words(words: set[str], others: set[str]) -> bool:
    """Whether the shorter body's distinct words are mostly in the other body too."""
    return len(words & others) >= SHARED_WORDS * min(len(words), len(others))


class Versions:
    """Each story of several versions: its group -> the versions' positions, oldest first.

    Held as three arrays and read one story at a time: a replicated archive of
    10^6 articles has a few hundred thousand such stories, too many to make a
    tuple each on every update.
    """

    def __init__(self, groups: np.ndarray, timestamps: np.ndarray) -> None:
        firsts, counts = np.unique(groups, return_counts=True)
        members = np.flatnonzero(np.isin(groups, firsts[counts > 1]))
        # By story, then by time; positions ascending among equal times (lexsort is stable).
        self._members = members[np.lexsort((timestamps[members], groups[members]))]
        in_order = groups[self._members]
        self._starts = np.flatnonzero(np.diff(in_order, prepend=-1))
        self._groups = in_order[self._starts]  # ascending
        self._starts = np.append(self._starts, len(self._members))

    def get(self, group: int) -> tuple[int, ...]:
        """The versions of the story ``group`` (its first position); () when it stands alone."""
        n = int(np.searchsorted(self._groups, group))
        if n == len(self._groups) or self._groups[n] != group:
            return ()
        return tuple(self._members[self._starts[n] : self._starts[n + 1]].tolist())

    def as_dict(self) -> dict[int, tuple[int, ...]]:
        """Every story of several versions at once (for tests and debugging)."""
        return {int(group): self.get(int(group)) for group in self._groups}
