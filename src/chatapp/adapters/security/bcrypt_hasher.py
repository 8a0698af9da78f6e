from __future__ import annotations

import os
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
import bcrypt

from chatapp.application.ports.security import PasswordHasher

_BCRYPT_MAX_BYTES = 72
T = TypeVar("T")


class BcryptPasswordHasher(PasswordHasher):
    """bcrypt in worker threads (it releases the GIL), so hashing never stalls the event loop.

    At most one hash per usable core runs at a time: more would not hash faster, only take CPU
    time from the event loop serving everyone else.
    """

    def __init__(self, rounds: int, parallel: int | None = None) -> None:
        self._rounds = rounds
        self._parallel = parallel or len(os.sched_getaffinity(0))
        self._limiter: anyio.CapacityLimiter | None = None  # made in the event loop, on first use
        self._dummy_hash = bcrypt.hashpw(b"chatapp-timing-equaliser", bcrypt.gensalt(rounds))

    async def _in_thread(self, work: Callable[..., T], *args: bytes) -> T:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self._parallel)
        return await anyio.to_thread.run_sync(work, *args, limiter=self._limiter)

    async def hash(self, password: str) -> str:
        salt = bcrypt.gensalt(self._rounds)
        hashed = await self._in_thread(bcrypt.hashpw, password.encode(), salt)
        return hashed.decode()

    async def verify(self, password: str, password_hash: str) -> bool:
        secret = password.encode()
        if len(secret) > _BCRYPT_MAX_BYTES:  # bcrypt 5 raises; such a password was never accepted
            await self.burn(password)
            return False
        return await self._in_thread(bcrypt.checkpw, secret, password_hash.encode())

    async def burn(self, password: str) -> None:
        secret = password.encode()[:_BCRYPT_MAX_BYTES]
        await self._in_thread(bcrypt.checkpw, secret, self._dummy_hash)
