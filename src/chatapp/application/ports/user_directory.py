"""Committed accounts read outside any unit of work: every authenticated request reads its caller."""

from __future__ import annotations

from abc import abstractmethod
from typing import Protocol

from chatapp.domain.user import User


class UserDirectory(Protocol):
    """Users as committed; each call reads the latest committed state (a password change, a reset
    or a block is seen by the next call once committed)."""

    @abstractmethod
    async def get(self, user_id: int) -> User | None: ...
