"""The seed app's clients keep working: its `/ws` action frames and the README's `/` text protocol."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import Account
from tests.api.ws_support import (
    WELCOME,
    closed_with,
    error_code,
    receive,
    send_message,
    signed_in,
    stored,
)


def test_connect_frame_with_token_is_welcomed_and_messages_are_echoed_once_stored(
    client: TestClient[Litestar], alice: Account
) -> None:
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"action": "connect", "token": alice.jwt})
        assert receive(ws) == {"action": "welcome", "content": WELCOME, "userId": alice.user["id"]}
        ack = send_message(ws, "hi")

    assert ack["action"] == "message" and ack["content"] == "hi" and ack["clientId"] is None
    assert isinstance(ack["id"], int) and ack["timestamp"].endswith("Z")
    [row] = stored(client, alice, kind="message")
    assert (row["id"], row["documentId"], row["message"]) == (ack["id"], ack["documentId"], "hi")
    assert (row["timestamp"], row["user"]["id"]) == (ack["timestamp"], alice.user["id"])


def test_text_protocol_greets_and_confirms_each_stored_message(
    client: TestClient[Litestar], alice: Account
) -> None:
    with signed_in(client, alice, path="/") as ws:
        ws.send_json({"userId": alice.user["id"], "content": "hi"})
        assert ws.receive_text(timeout=5) == "Server received: hi"
        ws.send_json({"content": "no userId needed with a token"})
        assert ws.receive_text(timeout=5) == "Server received: no userId needed with a token"

    assert [row["message"] for row in stored(client, alice, kind="message")] == [
        "hi",
        "no userId needed with a token",
    ]


class TestLegacyUserIdMode:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"ws_legacy_user_id": True}

    def test_the_seed_clients_unauthenticated_connect_works(
        self, client: TestClient[Litestar], alice: Account
    ) -> None:
        with client.websocket_connect("/ws") as ws:
            ws.send_json({"action": "connect", "userId": alice.user["id"]})
            assert receive(ws) == {"action": "welcome", "content": WELCOME, "userId": alice.user["id"]}
            assert send_message(ws, "hi")["content"] == "hi"

        [row] = stored(client, alice, kind="message")
        assert row["user"]["username"] == "alice"

    def test_text_protocol_greets_at_once_and_trusts_the_frames_user_id(
        self, client: TestClient[Litestar], alice: Account, bob: Account
    ) -> None:
        with client.websocket_connect("/") as ws:
            assert ws.receive_text(timeout=5) == WELCOME
            ws.send_json({"userId": alice.user["id"], "content": "hi"})
            assert ws.receive_text(timeout=5) == "Server received: hi"
            ws.send_json({"userId": bob.user["id"], "content": "I am bob now"})
            assert ws.receive_text(timeout=5).startswith("Error: forbidden: ")

        assert [row["message"] for row in stored(client, alice, kind="message")] == ["hi"]
        assert stored(client, bob) == []

    def test_an_unknown_user_id_is_refused(self, client: TestClient[Litestar], alice: Account) -> None:
        with client.websocket_connect("/ws") as ws:
            ws.send_json({"action": "connect", "userId": alice.user["id"] + 1000})
            assert error_code(receive(ws)) == "unauthenticated"
            assert closed_with(ws) == 1008


def test_by_default_the_seed_clients_user_id_alone_is_refused_and_nothing_stored(
    client: TestClient[Litestar], alice: Account
) -> None:
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"action": "connect", "userId": alice.user["id"]})
        assert error_code(receive(ws)) == "unauthenticated"
        assert closed_with(ws) == 1008

    assert stored(client, alice) == []


def test_by_default_the_text_protocol_refuses_a_connection_without_token(
    client: TestClient[Litestar], alice: Account
) -> None:
    with client.websocket_connect("/") as ws:
        assert ws.receive_text(timeout=5).startswith("Error: unauthenticated: ")
        assert closed_with(ws) == 1008

    assert stored(client, alice) == []
