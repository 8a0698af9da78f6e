"""Litestar's Store interface over the KeyValueStore port, so that Litestar's rate limiter counts in
the database every process shares (SQL persistence) instead of in each process's memory."""

from __future__ import annotations

from datetime import timedelta

from dishka import AsyncContainer
from litestar.stores.base import Store

from chatapp.application.ports.system import KeyValueStore


def _seconds(expires_in: int | timedelta | None) -> int | None:
    return int(expires_in.total_seconds()) if isinstance(expires_in, timedelta) else expires_in


class SharedStore(Store):
    """Resolves the KeyValueStore from the app's container on first use (the engine is made lazily)."""

    def __init__(self, container: AsyncContainer) -> None:
        self._container = container
        self._values: KeyValueStore | None = None

    async def _store(self) -> KeyValueStore:
        if self._values is None:
            values: KeyValueStore = await self._container.get(KeyValueStore)  # a Protocol: dishka says Any
            self._values = values
        return self._values

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        await (await self._store()).set(key, data, _seconds(expires_in))

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        values = await self._store()
        value = await values.get(key)
        if value is not None and renew_for is not None and await values.expires_in(key) is not None:
            await values.set(key, value, _seconds(renew_for))
        return value

    async def delete(self, key: str) -> None:
        await (await self._store()).delete(key)

    async def delete_all(self) -> None:
        await (await self._store()).delete_all()

    async def exists(self, key: str) -> bool:
        return await (await self._store()).get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        return await (await self._store()).expires_in(key)
