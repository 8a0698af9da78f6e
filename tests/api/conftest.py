"""The real app, over every persistence backend: in-memory, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.adapters.sql.migrate import upgrade_database
from chatapp.entrypoints.app import create_app
from chatapp.entrypoints.ioc.persistence import MemoryPersistenceProvider
from chatapp.entrypoints.settings import Settings

TEST_SECRET = "test-secret-that-is-at-least-32-bytes-long"
PASSWORD = "correct horse"


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "jwt_secret": TEST_SECRET,
        "bcrypt_rounds": 4,
        "app_env": "test",
        "auth_rate_limit": "0",
        "database_url": "sqlite+aiosqlite:///:memory:",
    }
    return Settings(**{**values, **overrides})


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """None means the in-memory adapters."""
    if request.param == "memory":
        return None
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"
        upgrade_database(url)
        return url
    return str(request.getfixturevalue("clean_postgres_url"))


@pytest.fixture
def memory_db() -> InMemoryDatabase:
    return InMemoryDatabase()


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for its app."""
    return {}


@pytest.fixture
def app(database_url: str | None, memory_db: InMemoryDatabase, settings_overrides: dict[str, Any]) -> Litestar:
    if database_url is None:
        return create_app(make_settings(**settings_overrides), MemoryPersistenceProvider(memory_db))
    return create_app(make_settings(database_url=database_url, **settings_overrides))


@pytest.fixture
def client(app: Litestar) -> Iterator[TestClient[Litestar]]:
    with TestClient(app) as test_client:
        yield test_client


class Account(msgspec.Struct):
    jwt: str
    user: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.jwt}"}


def register(client: TestClient[Litestar], username: str, password: str = PASSWORD) -> Account:
    response = client.post(
        "/api/auth/local/register",
        json={"username": username, "email": f"{username.lower()}@example.com", "password": password},
    )
    assert response.status_code == 200, response.text
    return msgspec.convert(response.json(), Account)


@pytest.fixture
def alice(client: TestClient[Litestar]) -> Account:
    return register(client, "alice")


@pytest.fixture
def bob(client: TestClient[Litestar]) -> Account:
    return register(client, "bob")
