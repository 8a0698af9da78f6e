from __future__ import annotations

import asyncio
import os
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from chatapp.adapters.sql.disk_space import DiskFullWatch
from chatapp.application.ports.system import HealthProbe

# Not just SELECT 1: a table locked against every reader (LOCK TABLE, a long migration) makes the
# service useless while the server still answers.
_READ_BOTH_TABLES = text("SELECT (SELECT 1 FROM up_users LIMIT 1), (SELECT 1 FROM chat_sessions LIMIT 1)")


class SqlHealthProbe(HealthProbe):
    """SELECT 1 answers on a full disk too: for an SQLite file, the free space beside it counts as well;
    for PostgreSQL, whose disk is the server's, a write refused for lack of space (see disk_space)."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        timeout: float = 2.0,
        min_free_bytes: int = 0,
        disk: DiskFullWatch | None = None,
    ) -> None:
        self._engine = engine
        self._disk = disk
        self._timeout = timeout
        self._min_free_bytes = min_free_bytes
        database = engine.url.database if engine.dialect.name == "sqlite" else None
        self._directory = Path(database).resolve().parent if database and database != ":memory:" else None

    async def database_ok(self) -> bool:
        if self._directory is not None and self._free_bytes(self._directory) < self._min_free_bytes:
            return False
        try:
            async with asyncio.timeout(self._timeout), self._engine.connect() as connection:
                await connection.execute(_READ_BOTH_TABLES)
                if self._disk is not None and not await self._disk.has_room(connection):
                    return False
        except Exception:  # noqa: BLE001 - any failure means "not healthy"
            return False
        return True

    @staticmethod
    def _free_bytes(directory: Path) -> int:
        try:
            stats = os.statvfs(directory)
        except OSError:
            return 0
        return stats.f_bavail * stats.f_frsize
