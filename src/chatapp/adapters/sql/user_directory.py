from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from chatapp.adapters.sql.database import reading_only
from chatapp.adapters.sql.errors import domain_errors
from chatapp.adapters.sql.users import SELECT_USER_BY_ID, to_user
from chatapp.application.ports.user_directory import UserDirectory
from chatapp.domain.user import User


class SqlUserDirectory(UserDirectory):
    """Each call is one read on its own pooled connection, outside any transaction. No ORM Session:
    creating, connecting and closing one cost more than the caller's look-up itself."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = reading_only(engine)

    async def get(self, user_id: int) -> User | None:
        with domain_errors():
            async with self._engine.connect() as connection:
                row = (await connection.execute(SELECT_USER_BY_ID, {"user_id": user_id})).one_or_none()
        return None if row is None else to_user(row)
