"""Schema migrations, run at every start so upgrading Dateline never loses a subscription.

Alembic drives them programmatically over the store's own connection: no
``alembic.ini``, no second engine, the same path on SQLite and PostgreSQL.

Any number of processes may start together on a new store, so one migrates
while the others wait, then find the schema current: on PostgreSQL under a
transaction-scoped advisory lock (released by the commit, or by the server if
the process dies), on SQLite under a lock file beside the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection, revision: str) -> None:
    command.upgrade(_config(connection), revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


# pg_advisory_xact_lock's key: any constant the cluster agrees on ("dateline" in ASCII).
MIGRATION_LOCK = 0x646174656C696E65


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    async with _sqlite_file_lock(engine), engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        await connection.run_sync(_upgrade, revision)


@asynccontextmanager
async def _sqlite_file_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    # Acquired in a worker thread so the wait never blocks the event loop.
    lock = FileLock(f"{database}.migrate.lock", thread_local=False)
    await asyncio.to_thread(lock.acquire)
    try:
        yield
    finally:
        lock.release()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as connection:
        return await connection.run_sync(_current)
