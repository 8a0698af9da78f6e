"""Database fixtures for every test tier: a migrated PostgreSQL database and migrated SQLite files.

PostgreSQL comes from TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/test): each
test session creates its own `chatapp_test_<random>` database there and drops it at the end. When
the server is unreachable the PostgreSQL tests are skipped, or fail when CI=true.

The fixtures are synchronous on purpose: migrations run with asyncio.run, outside the test's loop.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from chatapp.adapters.sql.database import mask_url
from chatapp.adapters.sql.migrate import upgrade_database

POSTGRES_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _execute(url: str, *statements: str) -> None:
    async def run() -> None:
        connection = await asyncpg.connect(_libpq_url(url), timeout=5)
        try:
            for statement in statements:
                await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(run())


def truncate_postgres(url: str) -> None:
    _execute(url, "TRUNCATE chat_sessions, conversation_members, conversations, up_users RESTART IDENTITY CASCADE")


@contextmanager
def _temporary_postgres_database() -> Iterator[str]:
    name = f"chatapp_test_{secrets.token_hex(6)}"
    _execute(POSTGRES_ADMIN_URL, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _execute(POSTGRES_ADMIN_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that reaches PostgreSQL carries the `postgres` mark, however it asks for the server:
    through a fixture below, or as the "postgres" backend of a `database_url` fixture.

    The end-to-end files run first (each file's tests stay together, in their order): the two
    workers take files in this order, so the many short files fill in at the end instead of one
    worker finishing a long e2e file alone.
    """
    for item in items:
        callspec = getattr(item, "callspec", None)
        backend = callspec.params.get("database_url") if callspec is not None else None
        if backend == "postgres" or "_postgres_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
    items.sort(key=lambda item: item.get_closest_marker("e2e") is None)  # a stable sort


@pytest.fixture(scope="session")
def _postgres_server() -> None:
    try:
        _execute(POSTGRES_ADMIN_URL, "SELECT 1")
    except (OSError, asyncpg.PostgresError) as exc:
        reason = (
            f"PostgreSQL at {mask_url(POSTGRES_ADMIN_URL)} is unreachable ({exc!r}); set TEST_POSTGRES_URL"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true, so PostgreSQL tests must run: {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url(_postgres_server: None) -> Iterator[str]:
    """A PostgreSQL database migrated to head, shared by the whole session."""
    with _temporary_postgres_database() as url:
        upgrade_database(url)
        yield url


@pytest.fixture
def clean_postgres_url(postgres_url: str) -> str:
    """The session's PostgreSQL database, emptied (ids restart at 1)."""
    truncate_postgres(postgres_url)
    return postgres_url


@pytest.fixture
def empty_postgres_url(_postgres_server: None) -> Iterator[str]:
    """A brand-new PostgreSQL database without any table, dropped after the test."""
    with _temporary_postgres_database() as url:
        yield url


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade_database(f"sqlite+aiosqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> Callable[..., str]:
    """Factory: `sqlite_url(name="chat.db")` is the URL of a fresh, migrated SQLite file."""

    def make(name: str = "chat.db") -> str:
        path = tmp_path / name
        shutil.copyfile(_sqlite_template, path)  # a copy is much faster than migrating each time
        return f"sqlite+aiosqlite:///{path}"

    return make
