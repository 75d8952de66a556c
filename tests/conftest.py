"""Fixtures shared across the suite: tiny archives that the tests write themselves."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from bot.archive.model import Article

ArticleFactory = Callable[..., Article]


@pytest.fixture
def article() -> ArticleFactory:
    counter = iter(range(1_000_000))

    def make(
        title: str = "A title",
        body: str = "A body.",
        *,
        id: str | None = None,
        published: datetime | None = None,
        source: str = "Test Wire",
        url: str | None = None,
    ) -> Article:
        return Article(
            id=id or f"a{next(counter)}",
            published=published or datetime(2020, 3, 26, 12, 0, tzinfo=UTC),
            source=source,
            title=title,
            body=body,
            url=url,
        )

    return make
