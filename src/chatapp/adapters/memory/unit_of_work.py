from __future__ import annotations

from types import TracebackType
from typing import Self

from chatapp.adapters.memory.conversations import InMemoryConversationRepository
from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.adapters.memory.messages import InMemoryChatMessageRepository
from chatapp.adapters.memory.users import InMemoryUserRepository
from chatapp.application.ports.persistence import UnitOfWork
from chatapp.domain.errors import StorageUnavailable


class InMemoryUnitOfWork(UnitOfWork):
    """Stages writes in its repositories and applies them all at commit(); `committed` counts commits."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self.users = InMemoryUserRepository(db)
        self.messages = InMemoryChatMessageRepository(db)
        self.conversations = InMemoryConversationRepository(db)
        self.committed = 0

    async def __aenter__(self) -> Self:
        if not self._db.available:
            raise StorageUnavailable()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.users.staged.clear()
        self.messages.discard()
        self.conversations.staged.clear()

    async def commit(self) -> None:
        if not self._db.available:
            raise StorageUnavailable()
        self.users.publish()
        self.conversations.publish()
        self.messages.publish()
        self.committed += 1
