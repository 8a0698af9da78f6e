"""A unit of work's connection, asked for without a new greenlet each time.

AsyncSession.connection() runs Session.connection in a fresh greenlet on every call, even when the
session already holds the connection, and a greenlet's start maps and its end unmaps a Python data
stack (two system calls: ~15 µs of CPU on the bench's machine, bench/README "a greenlet per
SQLAlchemy call"). A page of `GET /api/conversations` asked three times, a listing twice.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession


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
