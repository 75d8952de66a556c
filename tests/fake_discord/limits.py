"""Discord's rules for shards and rate limits, as the fake enforces them.

* A guild lives on shard ``(guild_id >> 22) % shard_count``.
* IDENTIFY: ``max_concurrency`` sessions may start per 5 seconds, one per bucket
  ``shard_id % max_concurrency``; an IDENTIFY beyond that is answered with
  op 9 (Invalid Session). Discord counts this across every process using the
  token, and so does the fake.
* REST: 50 requests per second per bot token, interaction endpoints excepted;
  beyond that a global 429.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

IDENTIFY_INTERVAL = 5.0
GLOBAL_REQUESTS_PER_SECOND = 50
# A snowflake's top bits are milliseconds since 2015; ids around 2021 look like real guilds'.
_SNOWFLAKE_MS = 1_100_000_000_000_000_000 >> 22


def shard_of(guild_id: int, shard_count: int) -> int:
    return (guild_id >> 22) % shard_count


def guild_id_on_shard(shard_id: int, shard_count: int, ordinal: int = 0) -> int:
    """A guild snowflake Discord would route to ``shard_id``; ``ordinal`` makes more of them."""
    if not 0 <= shard_id < shard_count:
        raise ValueError(f"shard {shard_id} is not one of {shard_count} shards")
    millis = _SNOWFLAKE_MS + (shard_id - _SNOWFLAKE_MS) % shard_count + ordinal * shard_count
    return millis << 22 | 1  # low bits (worker, increment) never decide the shard


@dataclass(frozen=True)
class Identify:
    """One IDENTIFY as the fake saw it; ``accepted`` False means op 9 was the answer."""

    at: float
    shard_id: int
    shard_count: int
    bucket: int
    client: str | None
    accepted: bool


@dataclass
class IdentifyLimit:
    max_concurrency: int = 1
    interval: float = IDENTIFY_INTERVAL
    log: list[Identify] = field(default_factory=list)
    # Tests set this to refuse the next IDENTIFYs, as when another session of the token
    # has just taken the bucket.
    refuse_next: int = 0
    _last: dict[int, float] = field(default_factory=dict)

    def attempt(self, shard_id: int, shard_count: int, client: str | None) -> Identify:
        """Record an IDENTIFY; accepted only when its bucket started no session in the interval."""
        now = time.monotonic()
        bucket = shard_id % self.max_concurrency
        last = self._last.get(bucket)
        accepted = (last is None or now - last >= self.interval) and self.refuse_next <= 0
        self.refuse_next -= 1
        if accepted:
            self._last[bucket] = now
        identify = Identify(now, shard_id, shard_count, bucket, client, accepted)
        self.log.append(identify)
        return identify

    @property
    def accepted(self) -> list[Identify]:
        return [i for i in self.log if i.accepted]

    @property
    def invalid_sessions(self) -> list[Identify]:
        return [i for i in self.log if not i.accepted]


@dataclass
class GlobalLimit:
    """A sliding one-second window over admitted requests; ``None`` disables it."""

    per_second: int | None = GLOBAL_REQUESTS_PER_SECOND
    rejected: int = 0
    _admitted: deque[float] = field(default_factory=deque)

    def admit(self) -> float | None:
        """None when the request may go ahead, else the seconds to wait (``retry_after``)."""
        if self.per_second is None:
            return None
        now = time.monotonic()
        while self._admitted and now - self._admitted[0] >= 1.0:
            self._admitted.popleft()
        if len(self._admitted) >= self.per_second:
            self.rejected += 1
            return max(1.0 - (now - self._admitted[0]), 0.001)
        self._admitted.append(now)
        return None


def busiest_second(times: list[float]) -> int:
    """The most requests in any one-second window (start at a request, end before +1 s)."""
    ordered = sorted(times)
    most = start = 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most
