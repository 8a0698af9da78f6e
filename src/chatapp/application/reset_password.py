from __future__ import annotations

from dataclasses import dataclass

from chatapp.application.ports.events import EventPublisher
from chatapp.application.ports.persistence import UnitOfWork
from chatapp.application.ports.security import PasswordHasher, TokenIssuer
from chatapp.application.ports.system import Clock
from chatapp.application.results import SignedIn
from chatapp.domain.errors import InvalidInput
from chatapp.domain.events import TokensRevoked
from chatapp.domain.rules import check_password
from chatapp.domain.user import hash_reset_code

BAD_CODE = "Incorrect code provided"


@dataclass(slots=True, kw_only=True, frozen=True)
class ResetPasswordCommand:
    code: str
    password: str
    password_confirmation: str


class ResetPassword:
    """Set a new password with a code from ForgotPassword.

    - the code must be known and unexpired; only a successful reset consumes it, and of parallel
      resets with one code exactly one succeeds (compare-and-set on the token version);
    - every token issued before the reset stops working (open connections end); a fresh one is returned.
    """

    def __init__(
        self, uow: UnitOfWork, hasher: PasswordHasher, tokens: TokenIssuer, clock: Clock, events: EventPublisher
    ) -> None:
        self._uow = uow
        self._events = events
        self._hasher = hasher
        self._tokens = tokens
        self._clock = clock

    async def __call__(self, command: ResetPasswordCommand) -> SignedIn:
        if command.password != command.password_confirmation:
            raise InvalidInput("Passwords do not match")
        password = check_password(command.password)
        if not command.code:
            raise InvalidInput(BAD_CODE)
        password_hash = await self._hasher.hash(password)
        async with self._uow as uow:
            user = await uow.users.find_by_reset_code_hash(hash_reset_code(command.code))
            now = self._clock.now()
            expired = user is None or user.reset_code_expires_at is None or user.reset_code_expires_at <= now
            if user is None or expired or user.blocked:
                raise InvalidInput(BAD_CODE)
            read_version = user.token_version
            user.change_password(password_hash, now)
            if not await uow.users.save_if_version(user, read_version):  # a parallel reset used the code
                raise InvalidInput(BAD_CODE)
            await uow.commit()
        self._events.publish(TokensRevoked(user_id=user.id, token_version=user.token_version))
        return SignedIn(user=user, jwt=self._tokens.issue(user.id, user.token_version))
