"""Fixtures shared across the suite: tiny archives that the tests write themselves, and
the store on SQLite or PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bot.archive.model import Article
from bot.store.store import create_engine

POSTGRES_URL = os.environ.get("DATELINE_TEST_POSTGRES_URL")

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


async def empty_postgres(url: str) -> None:
    """Drop every table, trigger and function the store made there, as if never migrated.

    The whole schema goes, so a migration that adds a table needs nothing here.
    """
    engine = create_engine(url)
    async with engine.begin() as connection:
        await connection.execute(text("DROP SCHEMA public CASCADE"))
        await connection.execute(text("CREATE SCHEMA public"))
    await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
async def store_url(request, tmp_path) -> str:
    """A new store's URL: SQLite in ``tmp_path``, or the emptied PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'store.sqlite3'}"
    if not POSTGRES_URL:
        pytest.skip(
            "PostgreSQL store tests need DATELINE_TEST_POSTGRES_URL, "
            "e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test (.ci/run sets it)"
        )
    await empty_postgres(POSTGRES_URL)
    return POSTGRES_URL
