from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from chatapp.adapters.sql.conversations import SqlConversationRepository
from chatapp.adapters.sql.database import ReadOnlyEngine
from chatapp.adapters.sql.errors import domain_errors
from chatapp.adapters.sql.messages import SqlChatMessageRepository
from chatapp.adapters.sql.users import SqlUserRepository
from chatapp.application.ports.conversation_repository import ConversationRepository
from chatapp.application.ports.persistence import (
    ChatMessageRepository,
    ReadOnlyUnitOfWork,
    UnitOfWork,
    UserRepository,
)


class _ConnectionScope:
    """Each `async with` checks a connection out of the pool, for its repositories' statements
    (SQLAlchemy Core: no ORM session, whose machinery cost more than a page's statements; bench/README
    "the units of work on a Connection"), and returns it to the pool on exit."""

    users: UserRepository
    messages: ChatMessageRepository
    conversations: ConversationRepository

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._connection: AsyncConnection | None = None

    async def __aenter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("This unit of work is already in use; enter it again only after it exits")
        with domain_errors():
            connection = await self._engine.connect().start()  # fail here, not halfway through the use case
        self._connection = connection
        self.users = SqlUserRepository(connection)
        self.messages = SqlChatMessageRepository(connection)
        self.conversations = SqlConversationRepository(connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with domain_errors():
                await connection.close()  # rolls back whatever was not committed


class SqlReadOnlyUnitOfWork(_ConnectionScope, ReadOnlyUnitOfWork):
    """Its statements run outside any transaction (see database.reading_only)."""

    def __init__(self, engine: ReadOnlyEngine) -> None:
        super().__init__(engine)


class SqlUnitOfWork(_ConnectionScope, UnitOfWork):
    """Each `async with` is a transaction, begun by its first statement; leaving it without
    commit() rolls it back."""

    async def commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("commit() outside `async with`")
        with domain_errors():
            await self._connection.commit()
