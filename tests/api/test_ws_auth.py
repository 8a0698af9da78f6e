"""Who is on a WebSocket: a current token (handshake or connect frame), or nobody for long."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import PASSWORD, TEST_SECRET, Account, set_blocked
from tests.api.ws_support import (
    WELCOME,
    closed_with,
    error_code,
    receive,
    send_message,
    signed_in,
    stored,
)


def expired_token(account: Account) -> str:
    now = int(time.time())
    claims = {"id": account.user["id"], "iat": now - 7200, "exp": now - 3600, "tv": 0}
    return jwt.encode(claims, TEST_SECRET, algorithm="HS256")


def welcome(account: Account) -> dict[str, Any]:
    return {"action": "welcome", "content": WELCOME, "userId": account.user["id"]}


def test_a_bearer_header_authenticates_at_the_handshake(client: TestClient[Litestar], alice: Account) -> None:
    with client.websocket_connect("/ws", headers=alice.headers) as ws:
        assert receive(ws) == welcome(alice)
        assert send_message(ws, "hi")["content"] == "hi"

    [row] = stored(client, alice, kind="message")
    assert row["user"]["id"] == alice.user["id"]


@pytest.mark.parametrize("how", ["query", "header"])
@pytest.mark.parametrize("bad", ["expired", "garbage"])
def test_an_invalid_handshake_token_is_refused(
    client: TestClient[Litestar], alice: Account, how: str, bad: str
) -> None:
    token = expired_token(alice) if bad == "expired" else "not-a-jwt"
    url, headers = (
        ("/ws", {"Authorization": f"Bearer {token}"}) if how == "header" else (f"/ws?token={token}", {})
    )
    with client.websocket_connect(url, headers=headers) as ws:
        assert error_code(receive(ws)) == "unauthenticated"
        assert closed_with(ws) == 1008


def test_an_invalid_token_in_the_connect_frame_is_refused(
    client: TestClient[Litestar], alice: Account
) -> None:
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"action": "connect", "token": expired_token(alice)})
        assert error_code(receive(ws)) == "unauthenticated"
        assert closed_with(ws) == 1008


def test_the_text_protocol_refuses_an_invalid_token(client: TestClient[Litestar], alice: Account) -> None:
    with client.websocket_connect(f"/?token={expired_token(alice)}") as ws:
        assert ws.receive_text(timeout=5).startswith("Error: unauthenticated: ")
        assert closed_with(ws) == 1008


def test_a_blocked_users_token_is_refused(client: TestClient[Litestar], alice: Account) -> None:
    set_blocked(client, "alice")
    with client.websocket_connect(f"/ws?token={alice.jwt}") as ws:
        assert error_code(receive(ws)) == "unauthenticated"
        assert closed_with(ws) == 1008


def test_a_token_issued_before_a_password_change_is_refused(
    client: TestClient[Litestar], alice: Account
) -> None:
    body = {"currentPassword": PASSWORD, "password": "new password", "passwordConfirmation": "new password"}
    assert client.post("/api/auth/change-password", json=body, headers=alice.headers).status_code == 200
    with client.websocket_connect(f"/ws?token={alice.jwt}") as ws:
        assert error_code(receive(ws)) == "unauthenticated"
        assert closed_with(ws) == 1008


def test_a_message_before_authenticating_is_refused_but_the_connection_stays(
    client: TestClient[Litestar], alice: Account
) -> None:
    with client.websocket_connect("/ws") as ws:
        assert error_code(send_message(ws, "too early")) == "unauthenticated"
        ws.send_json({"action": "connect", "token": alice.jwt})
        assert receive(ws) == welcome(alice)
        assert send_message(ws, "now")["content"] == "now"

    assert [row["message"] for row in stored(client, alice, kind="message")] == ["now"]


def test_the_author_is_always_the_authenticated_user(
    client: TestClient[Litestar], alice: Account, bob: Account
) -> None:
    with signed_in(client, alice) as ws:
        assert error_code(send_message(ws, "as bob", userId=bob.user["id"])) == "forbidden"
        assert error_code(send_message(ws, "as bob", userId=bob.user["documentId"])) == "forbidden"
        assert send_message(ws, "as myself", userId=alice.user["id"])["content"] == "as myself"

    assert stored(client, bob) == []
    assert [row["message"] for row in stored(client, alice, kind="message")] == ["as myself"]


def test_a_connect_frame_cannot_switch_users(
    client: TestClient[Litestar], alice: Account, bob: Account
) -> None:
    with signed_in(client, alice) as ws:
        ws.send_json({"action": "connect"})
        assert receive(ws) == welcome(alice)
        ws.send_json({"action": "connect", "token": alice.jwt, "userId": alice.user["id"]})
        assert receive(ws) == welcome(alice)
        ws.send_json({"action": "connect", "token": bob.jwt})
        assert error_code(receive(ws)) == "invalid_frame"
        ws.send_json({"action": "connect", "userId": bob.user["id"]})
        assert error_code(receive(ws)) == "invalid_frame"
        assert send_message(ws, "still alice")["content"] == "still alice"

    assert stored(client, bob) == []


def test_a_token_naming_another_user_id_does_not_authenticate(
    client: TestClient[Litestar], alice: Account, bob: Account
) -> None:
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"action": "connect", "token": alice.jwt, "userId": bob.user["id"]})
        assert error_code(receive(ws)) == "forbidden"
        assert error_code(send_message(ws, "hi")) == "unauthenticated"


class TestAuthTimeout:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"ws_auth_timeout": 0.2}

    def test_a_silent_connection_is_closed_with_1008(self, client: TestClient[Litestar]) -> None:
        with client.websocket_connect("/ws") as ws:
            assert error_code(receive(ws)) == "unauthenticated"
            assert closed_with(ws) == 1008

    def test_pings_and_refused_messages_do_not_extend_it(self, client: TestClient[Litestar]) -> None:
        with client.websocket_connect("/ws") as ws:
            ws.send_json({"action": "ping"})
            assert receive(ws) == {"action": "pong"}
            assert error_code(send_message(ws, "hi")) == "unauthenticated"
            assert error_code(receive(ws)) == "unauthenticated"
            assert closed_with(ws) == 1008

    def test_it_does_not_apply_once_authenticated(self, client: TestClient[Litestar], alice: Account) -> None:
        with signed_in(client, alice) as ws:
            ws.send_json({"action": "ping"})
            assert receive(ws) == {"action": "pong"}
            time.sleep(0.3)  # past the deadline: not a synchronisation, the point of the test
            assert send_message(ws, "late but signed in")["content"] == "late but signed in"


@pytest.mark.parametrize("path", ["/ws", "/"])
def test_a_password_change_ends_the_users_open_connections_but_not_new_ones(
    client: TestClient[Litestar], alice: Account, bob: Account, path: str
) -> None:
    body = {"currentPassword": PASSWORD, "password": "new password", "passwordConfirmation": "new password"}
    with signed_in(client, alice, path) as old, signed_in(client, bob, path) as other:
        response = client.post("/api/auth/change-password", json=body, headers=alice.headers)
        assert response.status_code == 200
        with signed_in(client, Account(jwt=response.json()["jwt"], user=alice.user), path) as new:
            if path == "/ws":
                assert error_code(receive(old)) == "unauthenticated"
            else:
                assert old.receive_text(timeout=5).startswith("Error: unauthenticated: ")
            assert closed_with(old) == 1008
            for ws in (new, other):  # the new token's connection and other users' stay
                ws.send_json({"action": "message", "content": "still here", "userId": None})
                answer = receive(ws) if path == "/ws" else ws.receive_text(timeout=5)
                assert "still here" in str(answer)


def test_blocking_a_user_ends_their_open_connections(client: TestClient[Litestar], alice: Account) -> None:
    with signed_in(client, alice) as ws:
        set_blocked(client, "alice")
        assert error_code(receive(ws)) == "unauthenticated"
        assert closed_with(ws) == 1008
