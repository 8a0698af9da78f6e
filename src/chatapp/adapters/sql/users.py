from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, bindparam, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from chatapp.adapters.sql.errors import domain_errors
from chatapp.adapters.sql.filtering import FilterCompiler
from chatapp.adapters.sql.models import USERS
from chatapp.adapters.sql.rows import by_name
from chatapp.adapters.sql.text import storable
from chatapp.application.ports.persistence import UserRepository
from chatapp.application.query.listing import ListQuery, Slice
from chatapp.application.query.resources import PUBLIC_USERS
from chatapp.domain.rules import username_key
from chatapp.domain.user import NewUser, User

# The only columns a user search can reach: the public ones (never the email).
PUBLIC_COLUMNS: dict[str, ColumnElement[Any]] = {
    "id": USERS.c.id,
    "documentId": USERS.c.document_id,
    "username": USERS.c.username,
}


_users = USERS
_SELECT_USER = select(_users)  # table columns: no ORM object per look-up (every request reads its caller)
# Built once: building the statement and its cache key per look-up cost more than executing it.
SELECT_USER_BY_ID = _SELECT_USER.where(_users.c.id == bindparam("user_id"))


def to_user(row: Any) -> User:
    """A row of the up_users table."""
    values = by_name(row)
    return User(
        id=values["id"],
        document_id=values["document_id"],
        username=values["username"],
        email=values["email"],
        password_hash=values["password"],
        provider=values["provider"],
        confirmed=values["confirmed"],
        blocked=values["blocked"],
        token_version=values["token_version"],
        reset_code_hash=values["reset_password_token"],
        reset_code_expires_at=values["reset_password_expires_at"],
        password_changed_at=values["password_changed_at"],
        created_at=values["created_at"],
        updated_at=values["updated_at"],
        published_at=values["published_at"],
    )


def _same_username(username: str) -> ColumnElement[bool]:
    # The key is computed here, not by the database: SQLite's lower() folds ASCII only.
    return _users.c.username_key == username_key(username)


class SqlUserRepository(UserRepository):
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection  # the unit of work's

    async def _find(self, condition: ColumnElement[bool]) -> User | None:
        with domain_errors():
            row = (await self._connection.execute(_SELECT_USER.where(condition))).one_or_none()
        return None if row is None else to_user(row)

    async def add(self, user: NewUser) -> User:
        statement = insert(_users).returning(*_users.c).values(
            document_id=user.document_id,
            username=user.username,
            username_key=username_key(user.username),
            email=user.email,
            provider="local",
            password=user.password_hash,
            confirmed=user.confirmed,
            blocked=False,
            token_version=0,
            created_at=user.created_at,
            updated_at=user.created_at,
            published_at=user.created_at,
        )
        with domain_errors():
            row = (await self._connection.execute(statement)).one()
        return to_user(row)

    async def get(self, user_id: int) -> User | None:
        with domain_errors():
            row = (await self._connection.execute(SELECT_USER_BY_ID, {"user_id": user_id})).one_or_none()
        return None if row is None else to_user(row)

    async def find_by_document_id(self, document_id: str) -> User | None:
        if not storable(document_id):
            return None
        return await self._find(_users.c.document_id == document_id)

    async def find_by_identifier(self, identifier: str) -> User | None:
        if not storable(identifier):
            return None
        return await self._find(or_(_users.c.email == identifier.lower(), _same_username(identifier)))

    async def find_by_username(self, username: str) -> User | None:
        return await self._find(_same_username(username))

    async def find_by_email(self, email: str) -> User | None:
        return await self._find(_users.c.email == email)

    async def find_by_reset_code_hash(self, code_hash: str) -> User | None:
        return await self._find(_users.c.reset_password_token == code_hash)

    async def search(self, query: ListQuery) -> Slice[User]:
        compiler = FilterCompiler(PUBLIC_USERS, PUBLIC_COLUMNS, self._connection.dialect.name)
        condition = compiler.where(query.filter)
        window = query.window
        with domain_errors():
            total = None
            if query.with_count:
                total = await self._connection.scalar(select(func.count()).select_from(_users).where(condition))
            statement = (
                _SELECT_USER.where(condition)
                .order_by(*compiler.order_by(query.sort))
                .limit(window.limit)
                .offset(window.offset)
            )
            rows = (await self._connection.execute(statement)).all()
        return Slice(items=[to_user(row) for row in rows], total=total)

    async def save_if_version(self, user: User, expected_token_version: int) -> bool:
        statement = (
            update(_users)
            .where(_users.c.id == user.id, _users.c.token_version == expected_token_version)
            .values(**_changes(user))  # updated_at: the column's own onupdate
        )
        with domain_errors():
            result = await self._connection.execute(statement)
        return bool(result.rowcount)


def _changes(user: User) -> dict[str, Any]:
    """The columns a user's changes may touch."""
    return {
        "username": user.username,
        "username_key": username_key(user.username),
        "email": user.email,
        "password": user.password_hash,
        "confirmed": user.confirmed,
        "blocked": user.blocked,
        "token_version": user.token_version,
        "reset_password_token": user.reset_code_hash,
        "reset_password_expires_at": user.reset_code_expires_at,
        "password_changed_at": user.password_changed_at,
    }
