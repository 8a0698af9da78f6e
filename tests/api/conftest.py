"""The real app, on the in-memory adapters unless a test asks for SQL.

The contract suite (tests/adapters) holds every adapter to the same behaviour, so the API tier runs
once, on memory. A test that needs a real database says so: `@on_sql` (SQLite and PostgreSQL) or
`@on_every_backend`, which parametrize `database_url` indirectly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.application.set_user_blocked import SetUserBlocked
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


SQL_BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
on_sql = pytest.mark.parametrize("database_url", SQL_BACKENDS, indirect=True)
on_every_backend = pytest.mark.parametrize("database_url", ["memory", *SQL_BACKENDS], indirect=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str | None:
    """The app's database: None (the in-memory adapters) unless parametrized "sqlite" or "postgres"."""
    backend = getattr(request, "param", "memory")
    if backend == "memory":
        return None
    if backend == "sqlite":
        make_sqlite_url: Callable[[], str] = request.getfixturevalue("sqlite_url")
        return make_sqlite_url()
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


USER_FIELDS = {
    "id", "documentId", "username", "email", "provider", "confirmed", "blocked", "createdAt",
    "updatedAt", "publishedAt",
}
CHAT_SESSION_FIELDS = {
    "id", "documentId", "message", "kind", "timestamp", "user", "createdAt", "updatedAt",
    "publishedAt", "conversation", "seq",
}
CONVERSATION_FIELDS = {
    "id", "documentId", "kind", "title", "members", "lastSeq", "lastMessage", "unread", "createdAt",
    "updatedAt", "publishedAt",
}


def assert_error(response: Any, status: int, name: str, message: str | None = None) -> dict[str, Any]:
    """The Strapi v5 error envelope, with this status, name and (if given) message; returns `error`."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"data", "error"} and body["data"] is None, body
    error = body["error"]
    assert set(error) == {"status", "name", "message", "details"}, error
    assert (error["status"], error["name"]) == (status, name), error
    assert isinstance(error["message"], str) and isinstance(error["details"], dict), error
    if message is not None:
        assert error["message"] == message, error
    return dict(error)


def set_blocked(client: TestClient[Litestar], username: str, blocked: bool = True) -> None:
    """What `chatapp block-user` does, through the app's own container (works on every backend)."""

    async def run() -> None:
        async with client.app.state.dishka_container() as request:
            await (await request.get(SetUserBlocked))(username, blocked)

    client.blocking_portal.call(run)


@asynccontextmanager
async def running(app: Litestar) -> AsyncIterator[None]:
    """Run the app's lifespan in this event loop, for concurrent requests through `asgi_client`."""
    to_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    from_app: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    task = asyncio.create_task(app(scope, to_app.get, from_app.put))  # type: ignore[arg-type]
    await to_app.put({"type": "lifespan.startup"})
    assert (await from_app.get())["type"] == "lifespan.startup.complete"
    try:
        yield
    finally:
        await to_app.put({"type": "lifespan.shutdown"})
        assert (await from_app.get())["type"] == "lifespan.shutdown.complete"
        await task


def asgi_client(app: Litestar, address: str = "127.0.0.1") -> httpx.AsyncClient:
    """An httpx client calling the app in this event loop, so requests really overlap.

    (Litestar's AsyncTestClient runs each request to completion in a portal thread.)
    """
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")
