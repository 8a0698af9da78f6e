from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from chatapp.application.ports.system import HealthProbe


class SqlHealthProbe(HealthProbe):
    def __init__(self, engine: AsyncEngine, *, timeout: float = 2.0) -> None:
        self._engine = engine
        self._timeout = timeout

    async def database_ok(self) -> bool:
        try:
            async with asyncio.timeout(self._timeout), self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            return False
        return True
