from __future__ import annotations

from dataclasses import dataclass

from chatapp.application.ports.events import EventPublisher
from chatapp.application.ports.persistence import UnitOfWork
from chatapp.application.ports.security import PasswordHasher, TokenIssuer
from chatapp.application.ports.system import Clock
from chatapp.application.results import SignedIn
from chatapp.domain.errors import InvalidInput, Unauthenticated
from chatapp.domain.events import TokensRevoked
from chatapp.domain.rules import check_password
from chatapp.domain.user import User


@dataclass(slots=True, kw_only=True, frozen=True)
class ChangePasswordCommand:
    user: User
    current_password: str
    password: str
    password_confirmation: str


class ChangePassword:
    """Replace a signed-in user's password.

    - the current password must be right, the new one valid and confirmed;
    - every token issued before the change stops working (open connections end); a fresh one is returned;
    - of parallel changes made with one token exactly one succeeds; the others are Unauthenticated.
    """

    def __init__(
        self, uow: UnitOfWork, hasher: PasswordHasher, tokens: TokenIssuer, clock: Clock, events: EventPublisher
    ) -> None:
        self._uow = uow
        self._events = events
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock

    async def __call__(self, command: ChangePasswordCommand) -> SignedIn:
        password = check_password(command.password)
        if command.password != command.password_confirmation:
            raise InvalidInput("Passwords do not match")
        if not await self._hasher.verify(command.current_password, command.user.password_hash):
            raise InvalidInput("The provided current password is invalid")
        password_hash = await self._hasher.hash(password)
        async with self._uow as uow:
            user = await uow.users.get(command.user.id)
            if user is None:
                raise Unauthenticated()
            user.change_password(password_hash, self._clock.now())
            # The token's version, not the one just read: of parallel changes with one token one wins.
            if not await uow.users.save_if_version(user, command.user.token_version):
                raise Unauthenticated()
            await uow.commit()
        self._events.publish(TokensRevoked(user_id=user.id, token_version=user.token_version))
        return SignedIn(user=user, jwt=self._tokens.issue(user.id, user.token_version))
