"""Component state packed into custom_ids, so buttons survive restarts.

Every custom_id the bot sends is a fixed head naming the item and its owner
(``dl:sp:<owner>:<page>:``) followed by a token for its state: the state itself
when head and state fit in Discord's 100 characters (after a ``=`` if it starts
with ``=`` or ``#``, or is empty), else ``#`` and a short key into the store's
kept states. The whole id is measured, head included, so an id is never cut.
A kept state expires ``KEPT_FOR`` after it was last put on a message; only then
does its button say it expired.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from bot.clock import Clock
from bot.discord import limits
from bot.search.types import Filters, Order
from bot.store import Store

SEPARATOR = "␟"  # a printable stand-in for the unit separator; no one types it
INLINE, KEPT = "=", "#"
# How long a button whose state is kept keeps working after its message was last
# drawn: long enough for any conversation to come back to it, short enough that the
# table holds only what people are still reading.
KEPT_FOR = timedelta(days=30)


class CustomIdTooLong(ValueError):
    """A head so long that not even a kept key fits after it: a bug in the item, not input."""


@dataclass(frozen=True)
class SearchRequest:
    """A search as a button remembers it.

    The separator is replaced by a space, and an empty outlet by none, where
    the request is made, so what a button packs is exactly what it unpacks; to
    the search they mean the same.
    """

    query: str
    filters: Filters
    order: Order = Order.BEST

    def __post_init__(self) -> None:
        object.__setattr__(self, "query", self.query.replace(SEPARATOR, " "))
        source = (self.filters.source or "").replace(SEPARATOR, " ") or None
        if source != self.filters.source:
            plain = Filters(self.filters.after, self.filters.before, source)
            object.__setattr__(self, "filters", plain)

    def pack(self) -> str:
        after = self.filters.after.isoformat() if self.filters.after else ""
        before = self.filters.before.isoformat() if self.filters.before else ""
        parts = [self.query, after, before, self.filters.source or ""]
        if self.order is not Order.BEST:  # buttons made before orders existed hold four parts
            parts.append(self.order.value)
        return SEPARATOR.join(parts)

    @classmethod
    def unpack(cls, packed: str) -> SearchRequest:
        """Raises ValueError on a forged or damaged id (the button's error path answers)."""
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


class CustomIds:
    """Makes and reads every custom_id's state; keeps the states too long to inline in the store.

    Kept there rather than in this process's memory, a button works after a
    restart and on whichever process of a cluster answers it, for ``KEPT_FOR``
    after the state was last put on a message (paging a search puts it on the
    new page again).
    """

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def token(self, head: str, state: str, limit: int = limits.CUSTOM_ID) -> str:
        """What follows ``head``: ``state`` inline when the whole id fits, else a kept key.

        ``limit`` is the room head and token share: a custom_id's, or a select
        option value's (the same 100 characters, with no head).
        """
        marked = state[:1] in (INLINE, KEPT, "")  # a state that could be read as a mark
        if len(head) + marked + len(state) <= limit:
            return INLINE + state if marked else state
        key = hashlib.blake2b(state.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
        if len(head) + 1 + len(key) > limit:
            raise CustomIdTooLong(f"custom_id head {head[:40]!r}… leaves no room for a key")
        await self.store.keep_state(key, state, self.clock() + KEPT_FOR)
        return KEPT + key

    async def read(self, token: str) -> str | None:
        """The state a token (what follows the head) stands for; None when it has expired."""
        kind, value = token[:1], token[1:]
        if kind == INLINE:
            return value
        if kind == KEPT:
            return await self.store.kept_state(value, self.clock())
        return token
