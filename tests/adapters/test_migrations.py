"""Alembic migrations on SQLite and PostgreSQL: each step goes up, down and up again, and head
matches the models exactly (so the tables the adapters use are the ones the migrations create)."""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from chatapp.adapters.sql.database import make_engine
from chatapp.adapters.sql.migrate import MIGRATIONS, downgrade_database, upgrade_database
from chatapp.adapters.sql.models import UserRow

TABLES = {"alembic_version", "up_users", "chat_sessions", "conversations", "conversation_members", "key_value_entries",
          "user_message_counts"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}"
    return str(request.getfixturevalue("empty_postgres_url"))


def revisions_from_base() -> list[tuple[str, str]]:
    """(revision, the one before it or "base"), oldest first."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    steps = [
        (s.revision, s.down_revision or "base") for s in ScriptDirectory.from_config(config).walk_revisions()
    ]
    return [(revision, str(previous)) for revision, previous in reversed(steps)]


def inspect_database(url: str) -> tuple[set[str], list]:
    """The table names, and what differs between the database and the models."""

    def look(connection) -> tuple[set[str], list]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLite cannot reflect the lower(username) index
            diff = compare_metadata(MigrationContext.configure(connection), UserRow.metadata)
        return set(inspect(connection).get_table_names()), diff

    async def run() -> tuple[set[str], list]:
        engine = make_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(look)
        finally:
            await engine.dispose()

    return asyncio.run(run())


def test_stairway(empty_url: str) -> None:
    for revision, previous in revisions_from_base():
        upgrade_database(empty_url, revision)
        downgrade_database(empty_url, previous)
        upgrade_database(empty_url, revision)


def test_head_matches_the_models_and_base_removes_everything(empty_url: str) -> None:
    upgrade_database(empty_url)
    assert inspect_database(empty_url) == (TABLES, [])

    downgrade_database(empty_url)
    assert inspect_database(empty_url)[0] == {"alembic_version"}


def test_upgrading_an_up_to_date_database_changes_nothing(empty_url: str) -> None:
    upgrade_database(empty_url)
    upgrade_database(empty_url)

    assert inspect_database(empty_url) == (TABLES, [])


def test_0003_keys_existing_usernames_and_keeps_twins_apart(tmp_path: Path) -> None:
    """SQLite before 0003 let 'Émile' and 'émile' be two accounts: both survive, the younger keyed apart."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'twins.db'}"
    upgrade_database(url, "0002")

    async def run(statement: str) -> list:
        engine = make_engine(url)
        try:
            async with engine.begin() as connection:
                result = await connection.exec_driver_sql(statement)
                return list(result.all()) if result.returns_rows else []
        finally:
            await engine.dispose()

    for n, name in enumerate(["Émile", "émile", "Bob"], start=1):
        asyncio.run(run(
            "INSERT INTO up_users (id, document_id, username, email, provider, password, confirmed, blocked,"
            f" token_version, created_at, updated_at) VALUES ({n}, 'doc{n}', '{name}', 'u{n}@example.com', 'local',"
            " 'x', 1, 0, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        ))
    upgrade_database(url)

    rows = asyncio.run(run("SELECT id, username, username_key FROM up_users ORDER BY id"))
    assert rows == [(1, "Émile", "émile"), (2, "émile", "émile#2"), (3, "Bob", "bob")]
