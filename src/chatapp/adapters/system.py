from __future__ import annotations

import secrets
import string
from datetime import UTC, datetime

from chatapp.application.ports.system import Clock, IdGenerator

_ALPHABET = string.ascii_lowercase + string.digits


class SystemClock(Clock):
    def now(self) -> datetime:
        moment = datetime.now(UTC)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


class RandomIdGenerator(IdGenerator):
    def document_id(self) -> str:
        return "".join(secrets.choice(_ALPHABET) for _ in range(24))

    def secret_code(self) -> str:
        return secrets.token_hex(32)
