from __future__ import annotations

from dataclasses import dataclass

from chatapp.application.ports.persistence import UnitOfWork
from chatapp.application.ports.security import PasswordHasher, TokenIssuer
from chatapp.application.ports.system import Clock, IdGenerator
from chatapp.application.results import SignedIn
from chatapp.domain.errors import AlreadyTaken, InvalidInput
from chatapp.domain.rules import all_valid, check_password, check_username, normalise_email
from chatapp.domain.user import NewUser


@dataclass(slots=True, kw_only=True, frozen=True)
class RegisterUserCommand:
    username: str
    email: str
    password: str


def check_username_for_login(username: str) -> str:
    if "@" in username:
        raise InvalidInput("username must not contain @", field="username")
    return check_username(username)


class RegisterUser:
    """Create a local account and sign it in.

    - username: at least 3 characters, kept in the case it was given, without `@` (login takes an
      email or a username: a username that looks like an email could answer for someone's address);
    - email: valid, stored lower-case;
    - password: 6 to 72 bytes (bcrypt's limit, never truncated);
    - username and email are unique case-insensitively; when two registrations race,
      the database constraint decides and the loser gets AlreadyTaken.
    """

    def __init__(
        self, uow: UnitOfWork, hasher: PasswordHasher, tokens: TokenIssuer, ids: IdGenerator, clock: Clock
    ) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens
        self._ids = ids
        self._clock = clock

    async def __call__(self, command: RegisterUserCommand) -> SignedIn:
        username, email, password = all_valid(
            lambda: check_username_for_login(command.username),
            lambda: normalise_email(command.email),
            lambda: check_password(command.password),
        )
        async with self._uow as uow:
            if await uow.users.find_by_username(username) or await uow.users.find_by_email(email):
                raise AlreadyTaken()
        password_hash = await self._hasher.hash(password)
        async with self._uow as uow:
            user = await uow.users.add(
                NewUser(
                    document_id=self._ids.document_id(),
                    username=username,
                    email=email,
                    password_hash=password_hash,
                    created_at=self._clock.now(),
                )
            )
            await uow.commit()
        return SignedIn(user=user, jwt=self._tokens.issue(user.id, user.token_version))
