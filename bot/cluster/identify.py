"""IDENTIFY pacing for the whole cluster, with PostgreSQL advisory locks.

Discord starts at most ``max_concurrency`` sessions per 5 seconds per bot
token, one in each bucket ``shard_id % max_concurrency``, and invalidates the
sessions beyond that; the limit is the token's, so it spans every process.
Before a shard IDENTIFYs (discord.py's ``before_identify_hook``) it takes its
bucket's advisory lock on a connection of its own and keeps it for 5.5 seconds
(Discord's 5 and a margin) as the IDENTIFY goes out: whichever process has the bucket next waits
until then. A process that dies drops its connection and with it the lock.
On SQLite (one process) an asyncio lock per bucket does the same in-process.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)

# Discord allows one IDENTIFY per bucket per 5 s, timed where it arrives; the bucket is
# taken here before the IDENTIFY leaves, so a window of exactly 5 s let the next one land
# a few milliseconds early (op 9). Half a second covers the event loop and the network.
IDENTIFY_WINDOW = 5.5  # seconds a bucket stays taken after an IDENTIFY
LOCK_CLASS = 0x444C49  # first key of pg_advisory_lock(int, int): "DLI"; the bucket is the second


class IdentifyGate:
    def __init__(
        self,
        engine: AsyncEngine | None,
        max_concurrency: int = 1,
        *,
        window: float = IDENTIFY_WINDOW,
    ) -> None:
        self.max_concurrency = max(1, max_concurrency)
        self.window = window
        shared = engine is not None and engine.dialect.name == "postgresql"
        self._bucket_lock: Callable[[int], AbstractAsyncContextManager[None]] = (
            _advisory_lock(engine) if shared and engine else _local_locks()
        )
        self._holding: set[asyncio.Task[Any]] = set()

    async def turn(self, shard_id: int) -> None:
        """Return when ``shard_id`` may IDENTIFY; its bucket stays taken for the window after."""
        bucket = shard_id % self.max_concurrency
        taken = asyncio.Event()
        holder = asyncio.create_task(self._hold(bucket, taken), name=f"identify-{shard_id}")
        self._holding.add(holder)
        holder.add_done_callback(self._holding.discard)
        waiting = asyncio.create_task(taken.wait())
        await asyncio.wait({holder, waiting}, return_when=asyncio.FIRST_COMPLETED)
        waiting.cancel()
        if not taken.is_set():
            holder.result()  # the lock could not be taken: raise why
        log.info("IDENTIFY shard %s (bucket %s of %s)", shard_id, bucket, self.max_concurrency)

    async def _hold(self, bucket: int, taken: asyncio.Event) -> None:
        async with self._bucket_lock(bucket):
            taken.set()
            await asyncio.sleep(self.window)

    async def close(self) -> None:
        for holder in list(self._holding):
            holder.cancel()


def _advisory_lock(engine: AsyncEngine) -> Callable[[int], AbstractAsyncContextManager[None]]:
    @asynccontextmanager
    async def bucket_lock(bucket: int) -> AsyncIterator[None]:
        # A connection of its own: advisory locks are re-entrant within one session,
        # and this process's next shard in the bucket must wait like anyone's.
        async with engine.connect() as connection:
            key = {"cls": LOCK_CLASS, "bucket": bucket}
            await connection.execute(text("SELECT pg_advisory_lock(:cls, :bucket)"), key)
            try:
                yield
            finally:
                await connection.execute(text("SELECT pg_advisory_unlock(:cls, :bucket)"), key)

    return bucket_lock


def _local_locks() -> Callable[[int], AbstractAsyncContextManager[None]]:
    locks: defaultdict[int, asyncio.Lock] = defaultdict(asyncio.Lock)
    return lambda bucket: locks[bucket]
