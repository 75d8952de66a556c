"""Keep the garbage collector's hands off the loaded archive.

A loaded archive is hundreds of thousands of long-lived objects (articles,
terms, cached hits). Python's cyclic collector walks all of them in every
full collection, and under load those pauses dominated the bot's tail
latency. None of it is cyclic garbage, so it is moved out of the collector's
sight. What each setting here measured: docs/benchmarks.md, "The garbage collector".
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def settle() -> None:
    """Collect what is garbage now, then exempt everything still alive from collection.

    Call it after start-up and after each archive reload: unfreezing first
    lets the previous archive's cycles (caches refer back to their index) be
    collected instead of kept forever.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def settle_young() -> None:
    """Exempt what was made since the last :func:`settle` from collection, collecting nothing.

    After a merge is swapped in: the replaced segments and index are freed by
    reference counting (measured at 105k: nothing of them waits for the
    collector), and the full collection :func:`settle` runs is one call that
    holds the interpreter for a quarter of a second at 105k articles, which
    the queries answered meanwhile would wait out. The next reload's
    :func:`settle` collects any cycle left behind.
    """
    gc.freeze()


# Allocations between young collections while serving (CPython's default: 700).
SERVING_THRESHOLDS = (10_000, 20, 20)


def tune_for_requests() -> None:
    """Collect young objects less often while the bot serves interactions.

    Each interaction allocates hundreds of short-lived containers (the parsed
    payload, embeds, views) that reference counting frees anyway; at the
    default threshold the collector ran several times per interaction; much
    larger thresholds make each collection, and the tail latency, longer again.
    """
    gc.set_threshold(*SERVING_THRESHOLDS)


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic collection while a block creates a mass of objects that all stay alive.

    Every few hundred allocations the collector would walk the young objects,
    and ever more often the whole growing heap, finding nothing.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
