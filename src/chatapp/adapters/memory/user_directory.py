from __future__ import annotations

from dataclasses import replace

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.application.ports.user_directory import UserDirectory
from chatapp.domain.errors import StorageUnavailable
from chatapp.domain.user import User


class InMemoryUserDirectory(UserDirectory):
    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db

    async def get(self, user_id: int) -> User | None:
        if not self._db.available:
            raise StorageUnavailable()
        user = self._db.users.get(user_id)
        return None if user is None else replace(user)
