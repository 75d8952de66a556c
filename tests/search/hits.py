"""Reading search results in tests."""

from __future__ import annotations

from collections.abc import Sequence

from bot.search.types import Hit


def ids(hits: Sequence[Hit]) -> list[str]:
    return [h.article.id for h in hits]
