"""Text no account field, code, id or message may contain: PostgreSQL `text` cannot hold U+0000,
so such input is refused (or cannot match) here, the same way on every backend."""

from __future__ import annotations

NUL = "\x00"


def has_nul(*values: str) -> bool:
    return any(NUL in value for value in values)
