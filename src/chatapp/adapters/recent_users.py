"""A user directory that remembers, for a moment, the users that authenticated requests name."""

from __future__ import annotations

import time
from collections.abc import Callable

from chatapp.adapters.expiring_memory import ExpiringMemory
from chatapp.application.ports.user_directory import UserDirectory
from chatapp.domain.user import User

REMEMBER_SECONDS = 1.0
MAX_REMEMBERED = 10_000  # users remembered at once, past which the oldest is forgotten


class RecentUsers(UserDirectory):
    """Every authenticated REST request reads its caller: on PostgreSQL that read cost more server
    CPU than all the rest of `POST /api/chat-sessions`. This directory answers from what it read in
    the last `ttl` seconds.

    - A user is forgotten as soon as this process hears that their tokens were revoked (`changed`:
      the live hub calls it for every TokensRevoked, this process's and those relayed from others:
      a password change or reset, a block or an unblock), and after `ttl` at the latest, for a
      change it never heard of (a relayed event lost, `chatapp block-user` beside an SQLite server).
    - So a revoked token may still work here until this process hears of it: at once when the
      change was made through it, milliseconds when made through another, `ttl` at most.
    - A blocked user is not remembered: an unblock (which issues no token) is seen at once.
    - A read that was under way when a change came in is not remembered: it may predate the change.
    """

    def __init__(
        self,
        users: UserDirectory,
        ttl: float = REMEMBER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        capacity: int = MAX_REMEMBERED,
    ) -> None:
        self._users = users
        self._remembered: ExpiringMemory[int, User] = ExpiringMemory(ttl, clock, capacity)  # by user id
        self._changes = 0  # how many changes were heard of: a read spanning one is not remembered

    async def get(self, user_id: int) -> User | None:
        remembered = self._remembered.get(user_id)
        if remembered is not None:
            return remembered
        changes = self._changes
        user = await self._users.get(user_id)
        if user is not None and not user.blocked and changes == self._changes:
            self._remembered.remember(user_id, user)
        return user

    def __len__(self) -> int:
        """How many users are remembered."""
        return len(self._remembered)

    def changed(self, user_id: int) -> None:
        self._changes += 1
        self._remembered.forget(user_id)
