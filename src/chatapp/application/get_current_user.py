from __future__ import annotations

from chatapp.application.ports.security import TokenIssuer
from chatapp.application.ports.user_directory import UserDirectory
from chatapp.domain.errors import Unauthenticated
from chatapp.domain.user import User


class GetCurrentUser:
    """Resolve a bearer token to its user.

    The token must be valid and unexpired, its user must exist and not be blocked, and its
    token version must be the user's current one (a password change or reset, or blocking,
    revokes every token issued before it, even within the same second).
    """

    def __init__(self, users: UserDirectory, tokens: TokenIssuer) -> None:
        self._users = users
        self._tokens = tokens

    async def __call__(self, token: str | None) -> User:
        if not token:
            raise Unauthenticated()
        claims = self._tokens.read(token)
        user = await self._users.get(claims.user_id)
        if user is not None and user.token_version < claims.token_version:
            # A token newer than the user as read: a directory's memory predates the password change
            # that issued it (made through another process, whose notice has not arrived yet).
            self._users.changed(user.id)
            user = await self._users.get(claims.user_id)
        if user is None or user.blocked or user.token_version != claims.token_version:
            raise Unauthenticated()
        return user
