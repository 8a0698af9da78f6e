"""Committed accounts read outside any unit of work: every authenticated request reads its caller."""

from __future__ import annotations

from abc import abstractmethod
from typing import Protocol

from chatapp.domain.user import User


class UserDirectory(Protocol):
    """Users as committed; each call reads the latest committed state (a password change, a reset
    or a block is seen by the next call once committed). A directory may answer from memory for a
    moment (adapters/recent_users.py), forgetting a user as soon as it hears of a change."""

    @abstractmethod
    async def get(self, user_id: int) -> User | None: ...

    def changed(self, user_id: int) -> None:
        """The user's tokens were revoked (committed, here or in another process): a directory that
        remembers users forgets this one."""
        return None  # noqa: RET501 - a body of its own: an empty one would make it abstract (mypy)
