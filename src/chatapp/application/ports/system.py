from __future__ import annotations

from abc import abstractmethod
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    @abstractmethod
    def now(self) -> datetime:
        """Timezone-aware UTC, millisecond precision."""


class IdGenerator(Protocol):
    @abstractmethod
    def document_id(self) -> str:
        """An opaque, random, 24-character lowercase alphanumeric id (Strapi v5 documentId)."""

    @abstractmethod
    def secret_code(self) -> str:
        """An unguessable one-time code for emails (password reset)."""


class EmailSender(Protocol):
    @abstractmethod
    async def send_password_reset(self, email: str, username: str, code: str) -> None: ...


class HealthProbe(Protocol):
    @abstractmethod
    async def database_ok(self) -> bool:
        """True if the database answered a trivial query just now."""


class KeyValueStore(Protocol):
    """Short-lived values shared by every process on one database (rate-limit counters).

    A write is visible to every reader at once (no unit of work); expired values read as None.
    """

    @abstractmethod
    async def get(self, key: str) -> bytes | None: ...

    @abstractmethod
    async def set(self, key: str, value: bytes, expires_in: int | None = None) -> None:
        """Insert or replace; `expires_in` seconds from now, or never."""

    @abstractmethod
    async def delete(self, key: str) -> None: ...

    @abstractmethod
    async def delete_all(self) -> None: ...

    @abstractmethod
    async def expires_in(self, key: str) -> int | None:
        """Whole seconds left, None for a missing, expired or never-expiring key."""
