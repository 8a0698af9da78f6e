from __future__ import annotations

from chatapp.application.ports.persistence import ReadOnlyUnitOfWork
from chatapp.domain.errors import Unauthenticated
from chatapp.domain.user import User


class IdentifyLegacyUser:
    """Trust a bare user id, as the seed app did (only when WS_LEGACY_USER_ID is on).

    The user must still exist and not be blocked.
    """

    def __init__(self, uow: ReadOnlyUnitOfWork) -> None:
        self._uow = uow

    async def __call__(self, user_id: int) -> User:
        async with self._uow as uow:
            user = await uow.users.get(user_id)
        if user is None or user.blocked:
            raise Unauthenticated("Unknown user")
        return user
