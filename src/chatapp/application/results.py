from __future__ import annotations

from dataclasses import dataclass

from chatapp.domain.user import User


@dataclass(slots=True, frozen=True)
class SignedIn:
    """A user together with a freshly issued bearer token."""

    user: User
    jwt: str
