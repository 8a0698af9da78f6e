"""Schema migrations (Alembic), run programmatically.

upgrade_database/downgrade_database are synchronous and use asyncio.run: call them before the
event loop starts (CLI, tests' sync fixtures), or from a worker thread. Inside a running loop,
await upgrade_schema(engine) instead.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from chatapp.adapters.sql.database import async_url, make_engine, mask_url
from chatapp.adapters.sql.errors import is_connection_failure
from chatapp.domain.errors import StorageUnavailable

MIGRATIONS = Path(__file__).with_name("migrations")
# Any constant: serialises `chatapp serve` processes that start together on one PostgreSQL.
_MIGRATION_LOCK_ID = 7_311_245_901


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _lock(connection: Connection) -> None:
    """Hold the database's migration lock until this transaction ends."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
    else:
        # Also makes SQLite's DDL transactional: the driver would otherwise run it in autocommit.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _refuse_broken_references(connection: Connection) -> None:
    """SQLite migrates with its foreign keys off: a row they would refuse fails the migration instead."""
    if connection.dialect.name == "sqlite":
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"the migration would leave rows referencing missing rows: {broken[:5]}")


@asynccontextmanager
async def _sqlite_foreign_keys_off(connection: AsyncConnection) -> AsyncIterator[None]:
    """Alembic alters an SQLite table by copying it and dropping the original, and with foreign keys
    on, that DROP first deletes every row referencing the table (ON DELETE CASCADE): altering
    up_users emptied chat_sessions. The pragma is a no-op inside a transaction, so it is set around
    the migration's, and set back before the connection returns to the pool."""
    if connection.dialect.name != "sqlite":
        yield
        return
    await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        await connection.rollback()  # nothing left to roll back unless the migration failed
        await connection.exec_driver_sql("PRAGMA foreign_keys=ON")


async def _migrate(engine: AsyncEngine, action: str, revision: str) -> None:
    def run(connection: Connection) -> None:
        _lock(connection)
        getattr(command, action)(_alembic_config(connection), revision)
        _refuse_broken_references(connection)

    async with engine.connect() as connection, _sqlite_foreign_keys_off(connection):
        await connection.run_sync(run)
        await connection.commit()


async def upgrade_schema(engine: AsyncEngine, revision: str = "head") -> None:
    await _migrate(engine, "upgrade", revision)


async def _on_fresh_engine(url: str, action: str, revision: str) -> None:
    """StorageUnavailable, in one line, when the database cannot be reached, opened or written."""
    engine = make_engine(url, deadline=None)  # a migration waits for another process's to finish
    try:
        await _migrate(engine, action, revision)
    except Exception as error:
        if not is_connection_failure(error):
            raise
        reason = error.orig if isinstance(error, DBAPIError) else error
        raise StorageUnavailable(f"cannot use the database {mask_url(url)}: {reason}") from None
    finally:
        await engine.dispose()


def upgrade_database(url: str, revision: str = "head") -> None:
    """Apply every pending migration up to `revision`. Not from inside a running event loop."""
    _check_sqlite_file_opens(url)
    asyncio.run(_on_fresh_engine(url, "upgrade", revision))


def _check_sqlite_file_opens(url: str) -> None:
    """An SQLite file that cannot be opened fails here, synchronously: through aiosqlite the failure
    would race its worker thread against the closing event loop (a traceback after the clear line)."""
    parsed = make_url(async_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return
    try:
        sqlite3.connect(parsed.database).close()
    except sqlite3.Error as error:
        raise StorageUnavailable(f"cannot use the database {mask_url(url)}: {error}") from None


def downgrade_database(url: str, revision: str = "base") -> None:
    """Revert to `revision` (everything by default). Not from inside a running event loop."""
    asyncio.run(_on_fresh_engine(url, "downgrade", revision))
