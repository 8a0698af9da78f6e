from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from math import ceil

from sqlalchemy import Table, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from chatapp.adapters.sql.errors import domain_errors
from chatapp.adapters.sql.models import KEY_VALUES
from chatapp.application.ports.system import KeyValueStore

_table = KEY_VALUES
_INSERT: dict[str, Callable[[Table], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


class SqlKeyValueStore(KeyValueStore):
    """`key_value_entries`, each call its own short transaction on the engine (no unit of work)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert = _INSERT[engine.dialect.name]

    async def _row(self, key: str) -> tuple[bytes, datetime | None] | None:
        with domain_errors():
            async with self._engine.connect() as connection:
                row = (await connection.execute(
                    select(_table.c.value, _table.c.expires_at).where(_table.c.key == key)
                )).first()
        if row is None or (row.expires_at is not None and row.expires_at <= datetime.now(UTC)):
            return None
        return row.value, row.expires_at

    async def get(self, key: str) -> bytes | None:
        row = await self._row(key)
        return None if row is None else row[0]

    async def set(self, key: str, value: bytes, expires_in: int | None = None) -> None:
        expires_at = None if expires_in is None else datetime.now(UTC) + timedelta(seconds=expires_in)
        statement = self._insert(_table).values(key=key, value=value, expires_at=expires_at)
        statement = statement.on_conflict_do_update(
            index_elements=[_table.c.key], set_={"value": value, "expires_at": expires_at}
        )
        with domain_errors():
            async with self._engine.begin() as connection:
                await connection.execute(statement)
                # Expired entries go on the way: the table holds about one row per live key.
                await connection.execute(delete(_table).where(_table.c.expires_at <= datetime.now(UTC)))

    async def delete(self, key: str) -> None:
        with domain_errors():
            async with self._engine.begin() as connection:
                await connection.execute(delete(_table).where(_table.c.key == key))

    async def delete_all(self) -> None:
        with domain_errors():
            async with self._engine.begin() as connection:
                await connection.execute(delete(_table))

    async def expires_in(self, key: str) -> int | None:
        row = await self._row(key)
        if row is None or row[1] is None:
            return None
        return ceil((row[1] - datetime.now(UTC)).total_seconds())
