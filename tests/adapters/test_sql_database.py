"""Engine construction: URL handling, SQLite settings, the in-memory SQLite database."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from chatapp.adapters.sql.database import async_url, make_engine, mask_url
from chatapp.adapters.sql.message_log import SqlMessageLog
from chatapp.adapters.sql.migrate import upgrade_schema
from chatapp.adapters.sql.unit_of_work import SqlUnitOfWork
from tests.adapters.factories import draft, new_user


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:pw@db:5432/chat", "postgresql+asyncpg://u:pw@db:5432/chat"),
        ("postgresql://u:pw@db/chat", "postgresql+asyncpg://u:pw@db/chat"),
        ("postgresql+asyncpg://u:pw@db/chat", "postgresql+asyncpg://u:pw@db/chat"),
        ("postgresql://db/chat?sslmode=require", "postgresql+asyncpg://db/chat?ssl=require"),
        ("sqlite:///./chatapp.db", "sqlite+aiosqlite:///./chatapp.db"),
        ("sqlite+aiosqlite:////var/lib/chat.db", "sqlite+aiosqlite:////var/lib/chat.db"),
    ],
)
def test_async_url_selects_our_drivers(given: str, expected: str) -> None:
    assert async_url(given) == expected


def test_async_url_refuses_other_databases() -> None:
    with pytest.raises(ValueError, match="Unsupported database URL"):
        async_url("mysql://root:secret@db/chat")


def test_mask_url_hides_the_password() -> None:
    assert mask_url("postgresql://chat:s3cr%40t@db/chat") == "postgresql://chat:***@db/chat"
    assert mask_url("sqlite:///./chatapp.db") == "sqlite:///./chatapp.db"
    assert "s3cret" not in mask_url("not a url s3cret")


async def test_sqlite_connections_are_durable_and_enforce_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'chat.db'}")
    async with engine.connect() as connection:
        settings = [
            (await connection.execute(text(f"PRAGMA {name}"))).scalar_one()
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
        ]
    await engine.dispose()

    assert settings == ["wal", 2, 1, 5000]  # synchronous 2 = FULL


async def test_a_sqlite_file_in_a_missing_directory_fails_without_starting_a_worker_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """aiosqlite leaves the worker thread of a failed connect to finish on its own, calling into the
    event loop later ("Event loop is closed" once the loop is gone): such a connect must not start."""
    started: list[object] = []
    real_connect = aiosqlite.connect
    monkeypatch.setattr(
        aiosqlite, "connect", lambda *args, **kw: started.append(args) or real_connect(*args, **kw)
    )
    engine = make_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'chat.db'}")

    with pytest.raises(OperationalError, match="unable to open database file"):
        async with engine.connect():
            pass
    await engine.dispose()

    assert started == []


async def test_an_in_memory_sqlite_database_is_shared_by_all_units_of_work() -> None:
    engine = make_engine("sqlite+aiosqlite:///:memory:")
    await upgrade_schema(engine)
    async with SqlUnitOfWork(engine) as uow:
        alice = await uow.users.add(new_user("alice"))
        await uow.commit()
    log = SqlMessageLog(engine)

    stored = await log.append(draft(alice))

    async with SqlUnitOfWork(engine) as uow:
        assert await uow.messages.get(stored.document_id, alice.id) == stored
    await log.aclose()
    await engine.dispose()


@pytest.mark.postgres
async def test_more_concurrent_queries_than_the_pool_holds_reuse_its_sessions(postgres_url: str) -> None:
    """Beyond the pool size, queries queue for a pooled connection: none opens a session of its own."""
    engine = make_engine(postgres_url, pool_size=3)

    async def backend_pid() -> int:
        async with engine.connect() as connection:
            # pg_sleep holds the connection while the other queries wait for one
            return int(await connection.scalar(text("SELECT pg_backend_pid() FROM pg_sleep(0.02)")))

    pids = set()
    for _ in range(3):
        pids |= set(await asyncio.gather(*(backend_pid() for _ in range(10))))
    await engine.dispose()

    assert len(pids) <= 3
