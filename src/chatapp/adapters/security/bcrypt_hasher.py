from __future__ import annotations

import anyio.to_thread
import bcrypt

from chatapp.application.ports.security import PasswordHasher

_BCRYPT_MAX_BYTES = 72


class BcryptPasswordHasher(PasswordHasher):
    """bcrypt in a worker thread (it releases the GIL), so hashing never stalls the event loop."""

    def __init__(self, rounds: int) -> None:
        self._rounds = rounds
        self._dummy_hash = bcrypt.hashpw(b"chatapp-timing-equaliser", bcrypt.gensalt(rounds))

    async def hash(self, password: str) -> str:
        salt = bcrypt.gensalt(self._rounds)
        hashed = await anyio.to_thread.run_sync(bcrypt.hashpw, password.encode(), salt)
        return hashed.decode()

    async def verify(self, password: str, password_hash: str) -> bool:
        secret = password.encode()
        if len(secret) > _BCRYPT_MAX_BYTES:  # bcrypt 5 raises; such a password was never accepted
            await self.burn(password)
            return False
        return await anyio.to_thread.run_sync(bcrypt.checkpw, secret, password_hash.encode())

    async def burn(self, password: str) -> None:
        secret = password.encode()[:_BCRYPT_MAX_BYTES]
        await anyio.to_thread.run_sync(bcrypt.checkpw, secret, self._dummy_hash)
