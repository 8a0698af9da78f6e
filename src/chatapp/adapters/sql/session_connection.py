"""A unit of work's connection, and the pooled one under a connection, without a new greenlet per ask.

AsyncSession.connection() and AsyncConnection.get_raw_connection() run in a fresh greenlet on every
call, even when the answer is already held, and a greenlet's start maps and its end unmaps a Python
data stack (two system calls: ~15 µs of CPU on the bench's machine, bench/README "a greenlet per
SQLAlchemy call"). A page of `GET /api/conversations` asked five times, a listing three.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.pool import PoolProxiedConnection


class SessionConnection:
    """The session's connection for its current transaction: asked of the session once, then again
    only once that transaction has ended (a commit or rollback closes the connection it held)."""

    __slots__ = ("_held", "_session")

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._held: AsyncConnection | None = None

    async def __call__(self) -> AsyncConnection:
        held = self._held
        if held is None or held.closed or not self._session.in_transaction():
            held = self._held = await self._session.connection()
        return held


async def pooled_connection(connection: AsyncConnection) -> PoolProxiedConnection:
    """The pooled DBAPI connection under `connection`: read off it while it holds a live one, through
    get_raw_connection (which may have to reconnect) only when it is closed or invalidated."""
    sync = connection.sync_connection
    if sync is not None and not sync.closed and not sync.invalidated:
        return sync.connection  # its _dbapi_connection: no I/O when neither closed nor invalidated
    return await connection.get_raw_connection()
