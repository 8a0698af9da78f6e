from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime

from chatapp.application.ports.system import Clock, IdGenerator

_ALPHABET = (string.ascii_lowercase + string.digits).encode()
_DOCUMENT_ID_CHARS = 24
# Each random byte below 252 (= 7 x 36) maps to one of the 36 characters without bias; the rest are dropped.
_USABLE = 252
_TO_ALPHABET = bytes(_ALPHABET[b % len(_ALPHABET)] for b in range(_USABLE)) + bytes(256 - _USABLE)
_UNUSABLE = bytes(range(_USABLE, 256))


class SystemClock(Clock):
    def now(self) -> datetime:
        moment = datetime.now(UTC)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class RandomIdGenerator(IdGenerator):
    def document_id(self) -> str:
        # One call per stored message: translating random bytes is ~50x cheaper than secrets.choice per char.
        chars = b""
        while len(chars) < _DOCUMENT_ID_CHARS:
            chars += secrets.token_bytes(32).translate(_TO_ALPHABET, _UNUSABLE)
        return chars[:_DOCUMENT_ID_CHARS].decode()

    def secret_code(self) -> str:
        return secrets.token_hex(32)
