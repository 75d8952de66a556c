"""What the search engine hands back to the CLI, the Discord glue and digests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.archive.model import Article


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions applied before ranking. Dates compare the article's calendar date."""

    after: date | None = None  # inclusive
    before: date | None = None  # inclusive
    source: str | None = None  # case-insensitive exact outlet name


@dataclass(frozen=True, slots=True)
class Hit:
    article: Article
    score: float
    snippet: str  # <= 300 chars of body around the best match, matched words in **bold**


@dataclass(frozen=True, slots=True)
class Suggestion:
    id: str
    title: str
