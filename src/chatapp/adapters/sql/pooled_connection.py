"""The pooled DBAPI connection under a SQLAlchemy connection, without a new greenlet per ask.

AsyncConnection.get_raw_connection() runs in a fresh greenlet on every call, even when the answer
is already held, and a greenlet's start maps and its end unmaps a Python data stack (two system
calls: ~15 µs of CPU on the bench's machine, bench/README "a greenlet per SQLAlchemy call").
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import PoolProxiedConnection


async def pooled_connection(connection: AsyncConnection) -> PoolProxiedConnection:
    """The pooled DBAPI connection under `connection`: read off it while it holds a live one, through
    get_raw_connection (which may have to reconnect) only when it is closed or invalidated."""
    sync = connection.sync_connection
    if sync is not None and not sync.closed and not sync.invalidated:
        return sync.connection  # its _dbapi_connection: no I/O when neither closed nor invalidated
    return await connection.get_raw_connection()
