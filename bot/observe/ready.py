"""Is this process fit to serve? The answer /readyz gives, with the reasons when it is not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from sqlalchemy.exc import SQLAlchemyError

from bot.observe.shards import ShardWatch
from bot.store import Store
from bot.store.migrate import current_revision

STORE_TIMEOUT = 2.0  # seconds; a probe must answer well before a load balancer gives up


async def store_problem(store: Store, timeout: float = STORE_TIMEOUT) -> str | None:
    """None when the store answers a query, else why not (never the URL: it may hold a password)."""
    try:
        await asyncio.wait_for(current_revision(store.engine), timeout)
    except TimeoutError:
        return f"store: no answer within {timeout:g} s"
    except (SQLAlchemyError, OSError) as error:
        return f"store: unreachable ({type(error).__name__})"
    return None


class ReadyWhen:
    """Archive loaded, store reachable, every shard this process runs READY."""

    def __init__(self, articles: Callable[[], int], store: Store, shards: ShardWatch) -> None:
        self.articles = articles
        self.store = store
        self.shards = shards

    async def __call__(self) -> list[str]:
        reasons = [] if self.articles() else ["archive: no articles loaded"]
        if problem := await store_problem(self.store):
            reasons.append(problem)
        return reasons + self.shards.not_ready()
