from __future__ import annotations

from math import ceil
from time import monotonic

from chatapp.application.ports.system import KeyValueStore


class InMemoryKeyValueStore(KeyValueStore):
    """One process's values: (value, monotonic deadline or None) by key."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[bytes, float | None]] = {}

    def _live(self, key: str) -> tuple[bytes, float | None] | None:
        entry = self._values.get(key)
        if entry is not None and entry[1] is not None and entry[1] <= monotonic():
            del self._values[key]
            return None
        return entry

    async def get(self, key: str) -> bytes | None:
        entry = self._live(key)
        return None if entry is None else entry[0]

    async def set(self, key: str, value: bytes, expires_in: int | None = None) -> None:
        self._values[key] = (value, None if expires_in is None else monotonic() + expires_in)

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)

    async def delete_all(self) -> None:
        self._values.clear()

    async def expires_in(self, key: str) -> int | None:
        entry = self._live(key)
        if entry is None or entry[1] is None:
            return None
        return ceil(entry[1] - monotonic())
