from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.adapters.memory.filtering import matches, ordered
from chatapp.adapters.memory.records import user_record
from chatapp.application.ports.persistence import UserRepository
from chatapp.application.query.listing import ListQuery, Slice
from chatapp.domain.errors import AlreadyTaken
from chatapp.domain.rules import username_key
from chatapp.domain.user import NewUser, User


def clashes(a: User, b: User) -> bool:
    return a.id != b.id and (username_key(a.username) == username_key(b.username) or a.email == b.email)


class InMemoryUserRepository(UserRepository):
    """Reads see committed users plus this transaction's own staged writes."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self.staged: dict[int, User] = {}

    def _visible(self) -> list[User]:
        merged = {**self._db.users, **self.staged}
        return list(merged.values())

    def _find(self, predicate: Callable[[User], bool]) -> User | None:
        for user in self._visible():
            if predicate(user):
                return replace(user)
        return None

    async def add(self, user: NewUser) -> User:
        created = User(
            id=next(self._db.user_ids),
            document_id=user.document_id,
            username=user.username,
            email=user.email,
            password_hash=user.password_hash,
            confirmed=user.confirmed,
            created_at=user.created_at,
            updated_at=user.created_at,
            published_at=user.created_at,
        )
        if any(clashes(created, other) for other in self._visible()):
            raise AlreadyTaken()
        self.staged[created.id] = created
        return replace(created)

    async def get(self, user_id: int) -> User | None:
        return self._find(lambda u: u.id == user_id)

    async def find_by_document_id(self, document_id: str) -> User | None:
        return self._find(lambda u: u.document_id == document_id)

    async def find_by_identifier(self, identifier: str) -> User | None:
        email, key = identifier.lower(), username_key(identifier)
        return self._find(lambda u: u.email == email or username_key(u.username) == key)

    async def find_by_username(self, username: str) -> User | None:
        key = username_key(username)
        return self._find(lambda u: username_key(u.username) == key)

    async def find_by_email(self, email: str) -> User | None:
        return self._find(lambda u: u.email == email)

    async def find_by_reset_code_hash(self, code_hash: str) -> User | None:
        return self._find(lambda u: u.reset_code_hash == code_hash)

    async def search(self, query: ListQuery) -> Slice[User]:
        found = ordered(
            [u for u in self._visible() if matches(query.filter, user_record(u))], query.sort, user_record
        )
        window = query.window
        return Slice(
            items=[replace(u) for u in found[window.offset : window.offset + window.limit]],
            total=len(found) if query.with_count else None,
        )

    async def save_if_version(self, user: User, expected_token_version: int) -> bool:
        stored = self.staged.get(user.id) or self._db.users.get(user.id)
        if stored is None or stored.token_version != expected_token_version:
            return False
        self.staged[user.id] = replace(user)
        return True

    def publish(self) -> None:
        """Apply staged writes to the shared state (called by the unit of work's commit)."""
        for user in self.staged.values():
            if any(clashes(user, other) for other in self._db.users.values()):
                raise AlreadyTaken()
        self._db.users.update(self.staged)
        self.staged.clear()
