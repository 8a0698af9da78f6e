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
