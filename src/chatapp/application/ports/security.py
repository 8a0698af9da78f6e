from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Protocol


class PasswordHasher(Protocol):
    """Slow, salted password hashing. Implementations must not block the event loop."""

    @abstractmethod
    async def hash(self, password: str) -> str: ...

    @abstractmethod
    async def verify(self, password: str, password_hash: str) -> bool:
        """False for a wrong password, never an exception (also for over-long passwords)."""

    @abstractmethod
    async def burn(self, password: str) -> None:
        """Spend the time of one verify() so that an unknown user is as slow as a known one."""


@dataclass(slots=True, frozen=True)
class TokenClaims:
    user_id: int
    token_version: int


class TokenIssuer(Protocol):
    """Signed, expiring bearer tokens carrying the user id and token version."""

    @abstractmethod
    def issue(self, user_id: int, token_version: int) -> str: ...

    @abstractmethod
    def read(self, token: str) -> TokenClaims:
        """Raises Unauthenticated for any token that is not ours, valid and unexpired."""
