"""The listings' statements sent to the database driver itself: asyncpg, or sqlite3 in aiosqlite's thread.

SQLAlchemy's path through one execution (an execution context, the cursor adapted through a
greenlet, and on SQLite a hop to aiosqlite's thread for the statement and another for its rows)
cost more CPU than the work of the statement. Alternated in one process (bench/README.md, "the
listings' statements on the driver"), the first page of 25 of `GET /api/chat-sessions` took 1,197
µs of in-process CPU through it and 828 µs on asyncpg (SQLite: 2,188 and 1,518 µs), a page of
`GET /api/conversations` 2,301 and 1,718 µs (SQLite: 5,492 and 4,164 µs).

A statement is compiled once per dialect (its text, the order of its parameters, the values written
into it) and its rows are unpacked by position by message_rows and conversation_rows, as
SQLAlchemy's rows are. Only where that changes nothing:
- PostgreSQL, outside a transaction (a read-only unit of work's AUTOCOMMIT connection). Inside one,
  SQLAlchemy's adapter begins the driver's transaction at its own first statement: a statement sent
  to the driver before that would run outside the transaction. Results need no processing:
  integers, text, and timestamptz, which asyncpg decodes (timestamps.TimestamptzCodec) into the UTC
  datetimes DateTimeUTC would give.
- SQLite, on the connection's own sqlite3 connection, so inside a transaction too (sqlite3 begins
  it, not SQLAlchemy). Each column SQLAlchemy would process (DateTimeUTC's text) is processed by
  SQLAlchemy's own result processor for its type.
- Parameters the driver takes as they are (integers, text; a list for a PostgreSQL array). A
  statement whose text depends on its values (an expanding IN) goes through SQLAlchemy.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.compiler import SQLCompiler

from chatapp.adapters.sql.errors import is_lost_connection
from chatapp.adapters.sql.pooled_connection import pooled_connection
from chatapp.domain.errors import StorageUnavailable


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters, in the order of the placeholders
    written: Mapping[str, Any]  # values the statement itself binds, e.g. the 0 of coalesce(x, 0)
    converters: tuple[tuple[int, Callable[[Any], Any]], ...]  # (column, SQLAlchemy's result processor)

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        return [values[name] if name in values else self.written[name] for name in self.names]

    def converted(self, rows: list[Any]) -> list[Any]:
        if not self.converters:
            return rows
        converted = []
        for row in rows:
            values = list(row)
            for index, convert in self.converters:
                values[index] = convert(values[index])
            converted.append(values)
        return converted


@functools.lru_cache(maxsize=128)  # keyed by the statement object: the listings build each one once
def _compiled(statement: Select[Any], dialect: Dialect) -> _Compiled | None:
    """None for a statement whose text depends on its values (an expanding IN)."""
    compiled = statement.compile(dialect=dialect)
    if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:
        raise TypeError("only a statement with positional parameters can be sent to the driver")
    if "__[POSTCOMPILE_" in compiled.string:
        return None
    written = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    if dialect.name == "sqlite":  # PostgreSQL: asyncpg's own decoding is DateTimeUTC's (see above)
        for index, column in enumerate(statement.selected_columns):
            processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if processor is not None:
                converters.append((index, processor))
    return _Compiled(compiled.string, tuple(compiled.positiontup), written, tuple(converters))


def _select_in_thread(connection: sqlite3.Connection, sql: str, arguments: list[Any]) -> list[Any]:
    """In aiosqlite's thread: the statement and all its rows in one hop to that thread."""
    return connection.execute(sql, arguments).fetchall()


async def fetch_all(
    connection: AsyncConnection, statement: Select[Any], values: Mapping[str, Any]
) -> Sequence[Any]:
    """The statement's rows, indexable by position. Driver errors come through unwrapped (errors.py
    knows both kinds). A connection lost under the statement is dropped, the pool renewed as
    SQLAlchemy renews it, and the caller told StorageUnavailable."""
    pooled = await pooled_connection(connection)
    dialect = connection.dialect
    read, driver = _compiled(statement, dialect), pooled.driver_connection
    assert driver is not None  # a pooled connection that is checked out has one
    if read is not None and dialect.name == "sqlite":
        # aiosqlite's private _execute, as batch_insert uses it: one hop to its thread
        rows = await driver._execute(_select_in_thread, driver._conn, read.sql, read.arguments(values))
        return read.converted(rows)
    outside_a_transaction = getattr(pooled.dbapi_connection, "autocommit", False)
    if read is None or dialect.name != "postgresql" or not outside_a_transaction:
        return (await connection.execute(statement, values)).all()
    try:
        return await driver.fetch(read.sql, *read.arguments(values))
    except Exception as exc:
        # As SQLAlchemy's dialect judges it: any failure on a connection that is now closed is a lost
        # connection (a killed backend may surface as asyncpg's InternalClientError).
        closed = driver.is_closed()
        if closed or is_lost_connection(exc):  # unseen by SQLAlchemy, it would be handed out again
            _renew_pool(connection, pooled, exc)
            await connection.invalidate()
        if closed:
            raise StorageUnavailable() from exc
        raise


def _renew_pool(connection: AsyncConnection, pooled: PoolProxiedConnection, exc: BaseException) -> None:
    """What SQLAlchemy does when a statement of its own finds the connection lost: every pooled
    connection opened before this one failed is replaced at its next checkout, since what killed
    this one (a restart) most likely killed them too. Pool._invalidate is private; with _checkin
    False it only moves the pool's invalidation time (closing this connection is left to invalidate())."""
    connection.sync_engine.pool._invalidate(pooled, exc, _checkin=False)
