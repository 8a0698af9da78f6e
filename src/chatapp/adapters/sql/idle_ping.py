"""Ping a pooled PostgreSQL connection before use only when it has been idle for a while.

SQLAlchemy's `pool_pre_ping` pings on every checkout: with asyncpg three round trips (BEGIN, `;`,
ROLLBACK) before each unit of work, more than the request's own statements. A connection that was
in use less than `after_idle` seconds ago is handed out unchecked: under load (the case that
matters for cost) that is every connection. One killed in that window (a PostgreSQL restart)
fails its first statement; SQLAlchemy then invalidates the whole pool, so only requests already
holding such a connection see the failure (StorageUnavailable: 503, `unavailable`).
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncEngine

PING_AFTER_IDLE_SECONDS = 1.0
_RETURNED_AT = "chatapp_returned_at"  # in the pool record's info, which a reconnect clears


def ping_idle_connections(engine: AsyncEngine, *, after_idle: float = PING_AFTER_IDLE_SECONDS) -> None:
    pool, dialect = engine.sync_engine.pool, engine.sync_engine.dialect

    @event.listens_for(pool, "checkin")
    def _note_return(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at < after_idle:
            return  # just connected, or in use a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, dbapi_connection, None):
                # as pool_pre_ping does: the server probably restarted, so every older connection
                # is replaced at its next checkout, and this one at once (the pool retries)
                raise InvalidatePoolError(str(exc)) from exc
            raise
