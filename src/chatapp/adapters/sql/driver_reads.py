"""The listings' statements run by asyncpg itself, on a connection outside any transaction.

SQLAlchemy's path through one execution (an execution context, the cursor adapted through a
greenlet, a processor called for each value of the result) cost more CPU than asyncpg's whole round
trip: the first page of 25 of `GET /api/chat-sessions` took 1,197 µs of in-process CPU through it
and 828 µs on the driver, a page of `GET /api/conversations` 2,301 and 1,718 µs (bench/README.md,
"the listings' statements on the driver"). A statement is compiled once for asyncpg (its `$n`
text, the order of its parameters, the values written into it) and its rows come back as asyncpg
Records, which message_rows and conversation_rows unpack by position as they do SQLAlchemy's rows.

Only where that changes nothing:
- PostgreSQL, outside a transaction (a read-only unit of work's AUTOCOMMIT connection). Inside one,
  SQLAlchemy's adapter begins the driver's transaction at its own first statement: a statement sent
  to the driver before that would run outside the transaction.
- Results that need no processing there: integers, text, and timestamptz, which asyncpg decodes
  (timestamps.TimestamptzCodec) into the UTC datetimes DateTimeUTC would give.
- Parameters asyncpg encodes as they are (integers; a list for an array).
Everywhere else, SQLite included (its timestamps are text that DateTimeUTC parses), the statement
goes through SQLAlchemy.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.compiler import SQLCompiler

from chatapp.adapters.sql.errors import is_lost_connection
from chatapp.domain.errors import StorageUnavailable


@dataclass(frozen=True, slots=True)
class _ForAsyncpg:
    sql: str
    names: tuple[str, ...]  # the parameters, in the order of $1, $2...
    written: Mapping[str, Any]  # values the statement itself binds, e.g. the 0 of coalesce(x, 0)

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        return [values[name] if name in values else self.written[name] for name in self.names]


@functools.lru_cache(maxsize=128)  # keyed by the statement object: the listings build each one once
def _for_asyncpg(statement: Select[Any], dialect: Dialect) -> _ForAsyncpg:
    compiled = statement.compile(dialect=dialect)
    if not isinstance(compiled, SQLCompiler) or compiled.positiontup is None:
        raise TypeError("only a statement with positional parameters can be sent to asyncpg")
    written = {name: bind.value for name, bind in compiled.binds.items() if not bind.required}
    return _ForAsyncpg(sql=compiled.string, names=tuple(compiled.positiontup), written=written)


async def fetch_all(connection: AsyncConnection, statement: Select[Any], values: Mapping[str, Any]) -> Sequence[Any]:
    """The statement's rows, indexable by position. Driver errors come through unwrapped (errors.py
    knows both kinds). A connection lost under the statement is dropped, the pool renewed as
    SQLAlchemy renews it, and the caller told StorageUnavailable."""
    pooled = await connection.get_raw_connection()
    if connection.dialect.name != "postgresql" or not getattr(pooled.dbapi_connection, "autocommit", False):
        return (await connection.execute(statement, values)).all()
    read, driver = _for_asyncpg(statement, connection.dialect), pooled.driver_connection
    assert driver is not None  # a pooled connection that is checked out has one
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
