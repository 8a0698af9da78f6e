from __future__ import annotations

from chatapp.application.ports.events import EventPublisher
from chatapp.application.ports.persistence import UnitOfWork
from chatapp.domain.errors import NotFound
from chatapp.domain.events import TokensRevoked
from chatapp.domain.user import User

ATTEMPTS = 5  # each retry follows a password change committed in between


class SetUserBlocked:
    """Block or unblock an account (operators only); either way its existing tokens stop working,
    and its open connections end."""

    def __init__(self, uow: UnitOfWork, events: EventPublisher) -> None:
        self._uow = uow
        self._events = events

    async def __call__(self, username: str, blocked: bool) -> User:
        async with self._uow as uow:
            for _ in range(ATTEMPTS):
                user = await uow.users.find_by_username(username)
                if user is None:
                    raise NotFound(f"No user named {username!r}")
                read_version = user.token_version
                user.blocked = blocked
                user.revoke_tokens()
                # A password change committed since the read would be undone by this row: read again.
                if await uow.users.save_if_version(user, read_version):
                    break
            else:
                raise RuntimeError(f"{username!r} kept changing for {ATTEMPTS} attempts")
            await uow.commit()
        self._events.publish(TokensRevoked(user_id=user.id, token_version=user.token_version))
        return user
