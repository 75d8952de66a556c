"""A cold build in bounded memory: the archive indexed a batch at a time, merged on disk.

Indexing a whole archive at once holds every posting several times over (the
counting processes' term lists, then the assembled arrays): 4.6 GB at 10^6
articles. Here the articles are indexed ``BATCH_ARTICLES`` at a time, each
batch's postings written to the cache folder as soon as they are made and
dropped from memory, and the batches are then merged on disk into one segment
(:mod:`bot.search.joining`: block by block, output written as it is made).
What the build holds at its peak is one batch's indexing, not the archive's;
what still grows with the archive is one small record per article (see
docs/index.md, "A cold build").

The merged segment is array for array what one build of all the articles
makes, so ranking is exactly a single build's. One segment rather than the
batches themselves, because a query visits every segment (see
docs/benchmarks.md for the measurements behind both choices).
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from bot.archive import Article, Problem
from bot.search import cache
from bot.search.index import story_links
from bot.search.joining import Source, merge_postings
from bot.search.postings import build_postings
from bot.search.segment import Segment

log = logging.getLogger(__name__)

BATCH_ARTICLES = 100_000  # see docs/benchmarks.md, "A cold build in batches"


def build_into_cache(  # noqa: PLR0913 - what a manifest names, all of it
    articles: Sequence[Article],
    files: Sequence[str | None],
    aliases: Mapping[str, str],
    twins: Mapping[str, str],
    problems: Sequence[Problem],
    folder: Path,
    *,
    key: str,
    provenance: str | None = None,
    batch: int | None = None,
) -> None:
    """Index ``articles`` into the cache ``folder`` as one segment, a batch at a time.

    ``files`` names each article's archive file; ``aliases``, ``twins`` and
    ``problems`` are as the loader reports them; ``key`` and ``provenance``
    are saved in the manifest (:func:`bot.search.cache.save`). Raises
    ``OSError`` when the folder cannot be written. Call it holding
    :func:`bot.search.cache.builder_lock`.
    """
    started = time.perf_counter()
    size = batch or BATCH_ARTICLES
    staging = cache.staging_folder(folder)  # the segment's folder, until it is whole
    scratch = cache.staging_folder(folder)  # the batches' postings, until they are merged
    try:
        bounds = list(range(0, len(articles), size)) or [0]
        if len(bounds) == 1:
            postings = cache.write_postings(build_postings(articles), staging)
        else:
            parts = []
            for number, lo in enumerate(bounds):
                part = scratch / str(number)
                part.mkdir()
                parts.append(cache.write_postings(build_postings(articles[lo : lo + size]), part))
                log.info("Indexed %d of %d articles", min(lo + size, len(articles)), len(articles))
            postings = merge_postings([Source(part) for part in parts], staging)
            del parts
        shutil.rmtree(scratch, ignore_errors=True)
        segment = Segment.of_postings(articles, postings, files)
        cache.write_segment(segment, folder, staging)
        links = story_links(articles, twins)
        parts_of = cache.Parts([segment], [None], links, aliases)
        cache.save_parts(parts_of, problems, folder, key, provenance)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)
    log.info(
        "Indexed %d articles in %d batch(es) (%d terms) in %.1f s",
        len(articles),
        len(bounds),
        len(segment.postings.terms),
        time.perf_counter() - started,
    )
