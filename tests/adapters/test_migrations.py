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
from chatapp.adapters.sql.migrate import MIGRATIONS, downgrade_database, upgrade_database, upgrade_schema
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


def sql(url: str, statement: str) -> list:
    """The rows of one statement, run in a transaction of its own on a fresh engine."""

    async def run() -> list:
        engine = make_engine(url)
        try:
            async with engine.begin() as connection:
                result = await connection.exec_driver_sql(statement)
                return list(result.all()) if result.returns_rows else []
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

    for n, name in enumerate(["Émile", "émile", "Bob"], start=1):
        sql(url, (
            "INSERT INTO up_users (id, document_id, username, email, provider, password, confirmed, blocked,"
            f" token_version, created_at, updated_at) VALUES ({n}, 'doc{n}', '{name}', 'u{n}@example.com', 'local',"
            " 'x', 1, 0, 0, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
        ))
    upgrade_database(url)

    rows = sql(url, "SELECT id, username, username_key FROM up_users ORDER BY id")
    assert rows == [(1, "Émile", "émile"), (2, "émile", "émile#2"), (3, "Bob", "bob")]


AT = "'2026-01-01 00:00:00'"
INSERT_BOB = (
    "INSERT INTO up_users (id, document_id, username, email, provider, password, confirmed, blocked,"
    f" token_version, created_at, updated_at) VALUES (1, 'u1', 'bob', 'b@example.com', 'local', 'x', 1, 0, 0, {AT}, {AT})"
)


def test_sqlite_keeps_the_messages_of_a_first_wave_database(tmp_path: Path) -> None:
    """SQLite alters up_users (0003) by copying it and dropping the original: with foreign keys on,
    that DROP deleted every message of every user (ON DELETE CASCADE), silently."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'wave1.db'}"
    upgrade_database(url, "0001")
    sql(url, INSERT_BOB)
    sql(url, "INSERT INTO chat_sessions (document_id, user_id, message, kind, timestamp, created_at, updated_at)"
             f" VALUES ('m1', 1, 'hello', 'message', {AT}, {AT}, {AT})")

    upgrade_database(url)
    assert sql(url, "SELECT document_id, message FROM chat_sessions") == [("m1", "hello")]


def test_sqlite_keeps_every_row_through_migrations_that_copy_a_referenced_table(tmp_path: Path) -> None:
    """The same DROP refused the upgrade of a database with conversations (their created_by does not
    cascade); and a downgrade copies up_users again."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'wave2.db'}"
    upgrade_database(url, "0002")
    later = "'2026-01-01 00:00:05'"
    for statement in (
        INSERT_BOB,
        (
            "INSERT INTO conversations (id, document_id, kind, title, created_by, last_seq, created_at, updated_at)"
            f" VALUES (1, 'c1', 'group', 'team', 1, 3, {AT}, {AT})"  # seq 3 was deleted
        ),
        f"INSERT INTO conversation_members (conversation_id, user_id, role, joined_at) VALUES (1, 1, 'owner', {AT})",
        (
            "INSERT INTO chat_sessions (document_id, user_id, message, kind, timestamp, created_at, updated_at,"
            f" conversation_id, seq) VALUES ('m1', 1, 'mine', 'message', {AT}, {AT}, {AT}, NULL, NULL),"
            f" ('m2', 1, 'first', 'message', {AT}, {AT}, {AT}, 1, 1),"
            f" ('m3', 1, 'second', 'message', {later}, {later}, {later}, 1, 2)"
        ),
    ):
        sql(url, statement)
    counts = "SELECT (SELECT count(*) FROM chat_sessions), (SELECT count(*) FROM conversation_members)"

    upgrade_database(url)
    assert sql(url, counts) == [(3, 1)]
    [(last_message_at,)] = sql(url, "SELECT last_message_at FROM conversations")
    assert last_message_at.startswith("2026-01-01 00:00:05")  # 0006: the time of the latest left, seq 2
    downgrade_database(url, "0002")
    assert sql(url, counts) == [(3, 1)]


async def test_a_migrated_sqlite_connection_enforces_foreign_keys_again() -> None:
    engine = make_engine("sqlite+aiosqlite:///:memory:")  # one connection, the migration's
    try:
        await upgrade_schema(engine)
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
    finally:
        await engine.dispose()
