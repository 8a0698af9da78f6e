from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from chatapp.adapters.sql.conversations import SqlConversationRepository
from chatapp.adapters.sql.database import ReadOnlySessionFactory
from chatapp.adapters.sql.errors import domain_errors
from chatapp.adapters.sql.messages import SqlChatMessageRepository
from chatapp.adapters.sql.session_connection import SessionConnection
from chatapp.adapters.sql.users import SqlUserRepository
from chatapp.application.ports.conversation_repository import ConversationRepository
from chatapp.application.ports.persistence import (
    ChatMessageRepository,
    ReadOnlyUnitOfWork,
    UnitOfWork,
    UserRepository,
)


class _SessionScope:
    """Each `async with` opens a fresh session on a pooled connection and closes it on exit."""

    users: UserRepository
    messages: ChatMessageRepository
    conversations: ConversationRepository

    def __init__(self, session_factory: async_sessionmaker[AsyncSession]) -> None:
        self._session_factory = session_factory
        self._session: AsyncSession | None = None

    async def __aenter__(self) -> Self:
        if self._session is not None:
            raise RuntimeError("This unit of work is already in use; enter it again only after it exits")
        session = self._session_factory()
        connection = SessionConnection(session)
        try:
            with domain_errors():
                await connection()  # fail here, not halfway through the use case
        except BaseException:
            await session.close()
            raise
        self._session = session
        self.users = SqlUserRepository(session)
        self.messages = SqlChatMessageRepository(session, connection)
        self.conversations = SqlConversationRepository(session, connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session, self._session = self._session, None
        if session is not None:
            with domain_errors():
                await session.close()  # rolls back whatever was not committed


class SqlReadOnlyUnitOfWork(_SessionScope, ReadOnlyUnitOfWork):
    """Its statements run outside any transaction (see make_read_only_session_factory)."""

    def __init__(self, session_factory: ReadOnlySessionFactory) -> None:
        super().__init__(session_factory)


class SqlUnitOfWork(_SessionScope, UnitOfWork):
    """Each `async with` is a transaction; leaving it without commit() rolls it back."""

    async def commit(self) -> None:
        if self._session is None:
            raise RuntimeError("commit() outside `async with`")
        with domain_errors():
            await self._session.commit()
