"""Picking articles by year and outlet, for /random and friends."""

from __future__ import annotations

import random
from collections.abc import Sequence

from bot.archive.model import Article
from bot.errors import UserFacingError


def pick_random(
    articles: Sequence[Article], rng: random.Random, *, year: int | None, source: str | None
) -> Article:
    wanted = source.strip().casefold() if source else None
    pool = [
        a
        for a in articles
        if (year is None or a.calendar_date.year == year)
        and (wanted is None or a.source.casefold() == wanted)
    ]
    if not pool:
        scope = " ".join(
            filter(None, [f"from {source}" if source else "", f"in {year}" if year else ""])
        )
        raise UserFacingError(f"The archive has no articles {scope or 'yet'}.")
    return rng.choice(pool)
