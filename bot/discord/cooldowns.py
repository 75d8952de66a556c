"""Per-user rate limits held by the bot instance, not by the command definitions.

discord.py's ``checks.cooldown`` keeps its buckets on the command object,
which lives for the whole process and is shared by every bot built from it;
keeping them here ties them to one bot, like everything else it owns.
"""

from __future__ import annotations

import time
from collections import deque

RATE = 5
PER = 10.0


class Cooldowns:
    def __init__(self, rate: int = RATE, per: float = PER) -> None:
        self.rate, self.per = rate, per
        self._hits: dict[tuple[str, int], deque[float]] = {}

    def hit(self, command: str, user_id: int) -> float | None:
        """Record a use; return the seconds to wait when over the limit (the use is refused)."""
        now = time.monotonic()
        hits = self._hits.setdefault((command, user_id), deque())
        while hits and now - hits[0] >= self.per:
            hits.popleft()
        if len(hits) >= self.rate:
            return self.per - (now - hits[0])
        hits.append(now)
        return None
