"""SQLite's WAL is checkpointed beside the writer, never inside its commits."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from chatapp.adapters.sql.database import make_engine
from chatapp.adapters.sql.wal_checkpoint import WalCheckpointer


async def test_commits_leave_the_wal_to_the_checkpointer_which_copies_all_of_it(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}")
    checkpointer = WalCheckpointer.start_for(engine)
    assert checkpointer is not None
    try:
        async with engine.begin() as connection:
            assert (await connection.scalar(text("PRAGMA wal_autocheckpoint"))) == 0
            await connection.execute(text("CREATE TABLE notes (body TEXT)"))
        for n in range(300):  # past SQLite's own threshold of 1,000 pages: it would have checkpointed
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO notes VALUES (:body)"), {"body": f"{n}" * 4000})
        assert (tmp_path / "chat.db-wal").stat().st_size > 1000 * 4096

        busy, frames, copied = checkpointer.checkpoint()

        assert (busy, copied) == (0, frames) and frames > 1000
        async with engine.connect() as connection:
            assert (await connection.scalar(text("SELECT count(*) FROM notes"))) == 300
    finally:
        await checkpointer.aclose()
        await engine.dispose()


async def test_only_an_sqlite_file_gets_one() -> None:
    engine = make_engine("sqlite+aiosqlite:///:memory:")
    try:
        assert WalCheckpointer.start_for(engine) is None
    finally:
        await engine.dispose()


async def test_it_never_creates_the_database_file(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'not yet.db'}")
    checkpointer = WalCheckpointer.start_for(engine)
    assert checkpointer is not None
    try:
        with pytest.raises(sqlite3.OperationalError):
            checkpointer.checkpoint()
        assert not (tmp_path / "not yet.db").exists()
    finally:
        await checkpointer.aclose()
        await engine.dispose()
