"""PostgreSQL `text` cannot hold U+0000, nor even be compared with a parameter holding it: every
input that may reach a query is refused (or simply matches nothing) before it does, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import PASSWORD, Account, assert_error
from tests.api.ws_support import error_code, send_message, signed_in, stored

pytestmark = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)

# (method, path, body, status, error name) for each place a client can put a NUL.
NUL_REQUESTS: dict[str, tuple[str, str, Any, int, str]] = {
    "login identifier": (
        "POST", "/api/auth/local", {"identifier": "alice\x00", "password": PASSWORD}, 400, "ValidationError"
    ),
    "registered username": (
        "POST",
        "/api/auth/local/register",
        {"username": "car\x00ol", "email": "carol@example.com", "password": PASSWORD},
        400,
        "ValidationError",
    ),
    "registered email": (
        "POST",
        "/api/auth/local/register",
        {"username": "carol", "email": "carol\x00@example.com", "password": PASSWORD},
        400,
        "ValidationError",
    ),
    "forgot-password email": (
        "POST", "/api/auth/forgot-password", {"email": "alice\x00@example.com"}, 400, "ValidationError"
    ),
    "reset code": (
        "POST",
        "/api/auth/reset-password",
        {"code": "co\x00de", "password": PASSWORD, "passwordConfirmation": PASSWORD},
        400,
        "ValidationError",
    ),
    "message content": (
        "POST", "/api/chat-sessions", {"data": {"message": "nul \x00 inside"}}, 400, "ValidationError"
    ),
    "documentId to read": ("GET", "/api/chat-sessions/x%00y", None, 404, "NotFoundError"),
    "documentId to delete": ("DELETE", "/api/chat-sessions/x%00y", None, 404, "NotFoundError"),
}


@pytest.mark.parametrize("case", list(NUL_REQUESTS))
def test_a_nul_in_any_http_input_is_a_client_error(
    client: TestClient[Litestar], alice: Account, case: str
) -> None:
    method, path, body, status, name = NUL_REQUESTS[case]

    assert_error(client.request(method, path, json=body, headers=alice.headers), status, name)
    assert stored(client, alice) == []
    login = client.post("/api/auth/local", json={"identifier": "alice", "password": PASSWORD})
    assert login.status_code == 200, login.text


def test_a_nul_in_a_websocket_message_or_client_id_is_an_invalid_frame(
    client: TestClient[Litestar], alice: Account
) -> None:
    with signed_in(client, alice) as ws:
        assert error_code(send_message(ws, "nul \x00 inside")) == "invalid_frame"
        assert error_code(send_message(ws, "hi", clientId="c\x001")) == "invalid_frame"
        assert send_message(ws, "still here")["content"] == "still here"

    assert [row["message"] for row in stored(client, alice, kind="message")] == ["still here"]
