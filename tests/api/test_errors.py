"""Every 4xx/5xx, ours or the framework's, is Strapi's envelope; a bug never leaks its internals."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Self

import pytest
from dishka import Provider, Scope, provide
from litestar import Litestar
from litestar.testing import TestClient

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.adapters.memory.message_log import InMemoryMessageLog
from chatapp.application.ports.persistence import MessageLog, ReadOnlyUnitOfWork, UnitOfWork
from chatapp.domain.chat_message import ChatMessage, NewChatMessage
from chatapp.entrypoints.app import create_app
from chatapp.entrypoints.ioc.persistence import MemoryPersistenceProvider
from tests.api.conftest import PASSWORD, Account, assert_error, make_settings, register

MEMORY_ONLY = pytest.mark.parametrize("database_url", [None], ids=["memory"])  # the fake can be switched off


class TestFrameworkErrors:
    @pytest.mark.parametrize("path", ["/api/nope", "/api/chat-sessions/a/b", "/api"])
    def test_an_unknown_route_is_not_found(self, client: TestClient[Litestar], path: str) -> None:
        assert_error(client.get(path), 404, "NotFoundError")

    @pytest.mark.parametrize(
        ("method", "path"),
        [
            ("PUT", "/api/chat-sessions"),
            ("PATCH", "/api/chat-sessions/abc"),
            ("GET", "/api/auth/local"),
            ("DELETE", "/api/users/me"),
        ],
    )
    def test_a_wrong_method_is_method_not_allowed(
        self, client: TestClient[Litestar], method: str, path: str
    ) -> None:
        assert_error(client.request(method, path), 405, "MethodNotAllowedError")

    @pytest.mark.parametrize(
        "path", ["/api/auth/local", "/api/auth/local/register", "/api/auth/forgot-password"]
    )
    @pytest.mark.parametrize(
        "content_type", ["application/json", "text/plain", "application/x-www-form-urlencoded"]
    )
    def test_a_body_that_is_not_json_is_a_validation_error(
        self, client: TestClient[Litestar], path: str, content_type: str
    ) -> None:
        response = client.post(
            path, content=b"identifier=alice&password=x", headers={"Content-Type": content_type}
        )

        assert_error(response, 400, "ValidationError")

    @pytest.mark.parametrize("recursion_limit", [None, 2**14], ids=["default recursion limit", "raised"])
    @pytest.mark.parametrize(
        "path",
        ["/api/auth/local", "/api/auth/local/register", "/api/auth/reset-password", "/api/chat-sessions"],
    )
    def test_a_body_nested_too_deep_is_a_validation_error(
        self, client: TestClient[Litestar], alice: Account, path: str, recursion_limit: int | None
    ) -> None:
        """Under a raised recursion limit (mypy's API raises it to 2**14 for its process) msgspec
        decodes this body: the error's details once did, and reported its missing fields instead."""
        body = '{"user": ' + "[" * 1_000 + "]" * 1_000 + "}"
        default = sys.getrecursionlimit()
        sys.setrecursionlimit(recursion_limit or default)
        try:
            response = client.post(path, content=body, headers={**alice.headers, "Content-Type": "application/json"})
        finally:
            sys.setrecursionlimit(default)

        error = assert_error(response, 400, "ValidationError")
        assert "deeper than 64" in error["message"]

    def test_a_field_error_names_the_field(self, client: TestClient[Litestar]) -> None:
        response = client.post(
            "/api/auth/local/register", json={"username": "carol", "email": "c@example.com"}
        )

        error = assert_error(response, 400, "ValidationError")
        assert "password" in error["message"]


class TestFrameworkCorners:
    def test_an_unknown_schema_page_is_not_found_in_the_envelope(self, client: TestClient[Litestar]) -> None:
        assert_error(client.get("/schema/redoc"), 404, "NotFoundError")

    def test_a_refused_cors_preflight_is_in_the_envelope(self, memory_db: InMemoryDatabase) -> None:
        app = create_app(make_settings(cors_origins="https://good.example"), MemoryPersistenceProvider(memory_db))
        preflight = {"Access-Control-Request-Method": "POST"}
        with TestClient(app) as client:
            refused = client.options("/api/auth/local", headers={**preflight, "Origin": "https://evil.example"})
            allowed = client.options("/api/auth/local", headers={**preflight, "Origin": "https://good.example"})

        assert_error(refused, 400, "ValidationError", "Disallowed CORS Origin")
        assert allowed.status_code == 204

    def test_head_answers_like_get_without_a_body(self, client: TestClient[Litestar], alice: Account) -> None:
        get, head = client.get("/api/users/me", headers=alice.headers), client.head("/api/users/me", headers=alice.headers)

        assert (head.status_code, head.headers["content-length"], head.content) == (200, get.headers["content-length"], b"")
        assert client.head("/api/users/me").status_code == 401
        assert client.head("/api/auth/local").status_code == 405

    @pytest.mark.parametrize("content_type", ["application/json", None])
    def test_an_empty_body_says_a_body_is_required(self, client: TestClient[Litestar], content_type: str | None) -> None:
        headers = {"Content-Type": content_type} if content_type else {}
        response = client.post("/api/auth/local", content=b"", headers=headers)

        assert_error(response, 400, "ValidationError", "A JSON object is required as the request body")


class TestHealth:
    def test_health_reports_the_database(self, client: TestClient[Litestar]) -> None:
        response = client.get("/_health")

        assert response.status_code == 200
        assert response.json() == {"status": "ok", "database": "ok"}

    @MEMORY_ONLY
    def test_health_is_503_while_the_database_is_down(
        self, client: TestClient[Litestar], memory_db: InMemoryDatabase
    ) -> None:
        memory_db.available = False

        assert_error(client.get("/_health"), 503, "ServiceUnavailableError")

        memory_db.available = True
        assert client.get("/_health").status_code == 200


@MEMORY_ONLY
class TestDatabaseDown:
    def test_routes_answer_503_and_recover(
        self, client: TestClient[Litestar], memory_db: InMemoryDatabase, alice: Account
    ) -> None:
        memory_db.available = False

        assert_error(
            client.post("/api/auth/local", json={"identifier": "alice", "password": PASSWORD}),
            503,
            "ServiceUnavailableError",
        )
        assert_error(client.get("/api/users/me", headers=alice.headers), 503, "ServiceUnavailableError")
        assert_error(client.get("/api/chat-sessions", headers=alice.headers), 503, "ServiceUnavailableError")

        memory_db.available = True
        assert client.get("/api/users/me", headers=alice.headers).status_code == 200


class AuthorDeletedMeanwhile(InMemoryMessageLog):
    """The author's account is deleted while their message is on its way to the log."""

    def __init__(self, db: InMemoryDatabase) -> None:
        super().__init__(db)
        self._users = db.users

    async def append(self, draft: NewChatMessage) -> ChatMessage:
        self._users.pop(draft.user_id, None)
        return await super().append(draft)


class DeletingAuthors(Provider):
    @provide(scope=Scope.APP)
    def message_log(self, db: InMemoryDatabase) -> MessageLog:
        return AuthorDeletedMeanwhile(db)


def test_a_message_the_database_refuses_is_a_conflict_not_a_retryable_503() -> None:
    db = InMemoryDatabase()
    with TestClient(create_app(make_settings(), MemoryPersistenceProvider(db), DeletingAuthors())) as client:
        alice = register(client, "alice")

        response = client.post("/api/chat-sessions", json={"data": {"message": "hi"}}, headers=alice.headers)

    assert_error(response, 409, "ConflictError")
    assert db.messages == {}


class ExplodingUnitOfWork(UnitOfWork):
    """A bug deep inside: the kind of message that must never reach a client."""

    async def __aenter__(self) -> Self:
        raise RuntimeError('boom: SELECT password FROM up_users WHERE "secret"')

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        return None

    async def commit(self) -> None:
        raise AssertionError("unreachable")


class ExplodingPersistence(Provider):
    @provide(scope=Scope.REQUEST)
    def unit_of_work(self) -> UnitOfWork:
        return ExplodingUnitOfWork()

    @provide(scope=Scope.REQUEST)
    def read_only_unit_of_work(self) -> ReadOnlyUnitOfWork:
        return ExplodingUnitOfWork()


@pytest.fixture
def broken_client() -> Iterator[TestClient[Litestar]]:
    app = create_app(make_settings(), MemoryPersistenceProvider(InMemoryDatabase()), ExplodingPersistence())
    with TestClient(app) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/auth/local", {"identifier": "alice", "password": PASSWORD}),
        (
            "POST",
            "/api/auth/local/register",
            {"username": "alice", "email": "a@example.com", "password": PASSWORD},
        ),
    ],
)
def test_an_unexpected_error_is_a_500_without_internals(
    broken_client: TestClient[Litestar], caplog: pytest.LogCaptureFixture, method: str, path: str, body: Any
) -> None:
    with caplog.at_level("ERROR"):
        response = broken_client.request(method, path, json=body)

    error = assert_error(response, 500, "InternalServerError", "Internal Server Error")
    assert error["details"] == {}
    for leak in ("boom", "SELECT", "secret", "Traceback", "RuntimeError", ".py"):
        assert leak not in response.text
    assert "boom" in caplog.text  # ...but the operator sees it in the log


def test_an_unexpected_error_is_counted_in_the_metrics_as_an_error(broken_client: TestClient[Litestar]) -> None:
    errors = re.compile(
        r'^litestar_requests_error_total\{app_name="chatapp",method="POST",path="/api/auth/local",'
        r'status_code="500"\} (\S+)$',
        re.MULTILINE,
    )

    def counted() -> float:
        found = errors.search(broken_client.get("/metrics").text)
        return float(found.group(1)) if found else 0.0

    before = counted()
    broken_client.post("/api/auth/local", json={"identifier": "alice", "password": PASSWORD})

    assert counted() == before + 1
