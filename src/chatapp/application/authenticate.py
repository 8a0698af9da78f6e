from __future__ import annotations

from dataclasses import dataclass

from chatapp.application.ports.persistence import ReadOnlyUnitOfWork
from chatapp.application.ports.security import PasswordHasher, TokenIssuer
from chatapp.application.results import SignedIn
from chatapp.domain.errors import AccountBlocked, InvalidCredentials


@dataclass(slots=True, kw_only=True, frozen=True)
class Credentials:
    identifier: str
    password: str


class Authenticate:
    """Sign in with an email or username (case-insensitive) and a password.

    - an unknown identifier and a wrong password give the same error, after the same work
      (a dummy hash is checked when the user does not exist);
    - a blocked account is reported only to someone who knows its password.
    """

    def __init__(self, uow: ReadOnlyUnitOfWork, hasher: PasswordHasher, tokens: TokenIssuer) -> None:
        self._uow = uow
        self._hasher = hasher
        self._tokens = tokens

    async def __call__(self, credentials: Credentials) -> SignedIn:
        async with self._uow as uow:
            user = await uow.users.find_by_identifier(credentials.identifier.strip())
        if user is None:
            await self._hasher.burn(credentials.password)
            raise InvalidCredentials()
        if not await self._hasher.verify(credentials.password, user.password_hash):
            raise InvalidCredentials()
        if user.blocked:
            raise AccountBlocked()
        return SignedIn(user=user, jwt=self._tokens.issue(user.id, user.token_version))
