"""Search parameters packed into a component's custom_id, so buttons survive restarts.

A custom_id holds at most 100 characters. A search that does not fit is kept
in a small in-memory table under a short key instead; only those buttons stop
working after a restart, and they say so.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date

from bot.discord import limits
from bot.search.types import Filters, Order

SEPARATOR = "␟"  # a printable stand-in for the unit separator; no one types it
KEPT_SEARCHES = 2048


@dataclass(frozen=True)
class SearchRequest:
    query: str
    filters: Filters
    order: Order = Order.BEST

    def pack(self) -> str:
        after = self.filters.after.isoformat() if self.filters.after else ""
        before = self.filters.before.isoformat() if self.filters.before else ""
        parts = [self.query, after, before, self.filters.source or ""]
        if self.order is not Order.BEST:  # buttons made before orders existed hold four parts
            parts.append(self.order.value)
        return SEPARATOR.join(p.replace(SEPARATOR, " ") for p in parts)

    @classmethod
    def unpack(cls, packed: str) -> SearchRequest:
        query, after, before, source, *order = packed.split(SEPARATOR)
        return cls(
            query,
            Filters(
                after=date.fromisoformat(after) if after else None,
                before=date.fromisoformat(before) if before else None,
                source=source or None,
            ),
            Order(order[0]) if order else Order.BEST,
        )


class SearchMemory:
    """Short keys for searches too long to pack into a custom_id (kept until restart)."""

    def __init__(self) -> None:
        self._kept: OrderedDict[str, str] = OrderedDict()

    def encode(self, request: SearchRequest, prefix: str) -> str:
        packed = request.pack()
        if len(prefix) + len(packed) + 1 <= limits.CUSTOM_ID:
            return f"{prefix}={packed}"
        key = hashlib.blake2b(packed.encode(), digest_size=8).hexdigest()
        self._kept[key] = packed
        self._kept.move_to_end(key)
        while len(self._kept) > KEPT_SEARCHES:
            self._kept.popitem(last=False)
        return f"{prefix}#{key}"

    def decode(self, token: str) -> SearchRequest | None:
        kind, value = token[0], token[1:]
        packed = value if kind == "=" else self._kept.get(value)
        return None if packed is None else SearchRequest.unpack(packed)
