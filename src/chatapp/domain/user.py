from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime


def hash_reset_code(code: str) -> str:
    """Codes are long random strings, so a fast digest is enough to keep them out of the database."""
    return hashlib.sha256(code.encode()).hexdigest()


@dataclass(slots=True, kw_only=True)
class User:
    """An account. `token_version` rises whenever previously issued tokens must stop working."""

    id: int
    document_id: str
    username: str
    email: str
    password_hash: str
    provider: str = "local"
    confirmed: bool = True
    blocked: bool = False
    token_version: int = 0
    reset_code_hash: str | None = None
    reset_code_expires_at: datetime | None = None
    password_changed_at: datetime | None = None
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None = None

    def revoke_tokens(self) -> None:
        self.token_version += 1

    def change_password(self, password_hash: str, at: datetime) -> None:
        """A new password: every earlier token and any pending reset code stop working."""
        self.password_hash = password_hash
        self.password_changed_at = at
        self.reset_code_hash = None
        self.reset_code_expires_at = None
        self.revoke_tokens()


@dataclass(slots=True, kw_only=True, frozen=True)
class NewUser:
    """A user about to be inserted: the repository assigns the integer id."""

    document_id: str
    username: str
    email: str
    password_hash: str
    created_at: datetime
    confirmed: bool = True
