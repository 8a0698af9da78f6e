from __future__ import annotations

from chatapp.application.ports.events import EventPublisher
from chatapp.application.ports.persistence import UnitOfWork
from chatapp.domain.errors import NotFound
from chatapp.domain.events import TokensRevoked
from chatapp.domain.user import User


class SetUserBlocked:
    """Block or unblock an account (operators only); either way its existing tokens stop working,
    and its open connections end."""

    def __init__(self, uow: UnitOfWork, events: EventPublisher) -> None:
        self._uow = uow
        self._events = events

    async def __call__(self, username: str, blocked: bool) -> User:
        async with self._uow as uow:
            user = await uow.users.find_by_username(username)
            if user is None:
                raise NotFound(f"No user named {username!r}")
            user.blocked = blocked
            user.revoke_tokens()
            await uow.users.save(user)
            await uow.commit()
        self._events.publish(TokensRevoked(user_id=user.id, token_version=user.token_version))
        return user
