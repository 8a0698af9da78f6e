"""Nothing is acknowledged that is not stored; retries with a clientId never duplicate."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import TestClient

from chatapp.adapters.memory.database import InMemoryDatabase
from tests.api.conftest import Account, on_every_backend
from tests.api.ws_support import error_code, memory_only, receive, send_message, signed_in, stored


@on_every_backend  # group commit on SQL: the ack waits for the commit of the batch
def test_an_acknowledged_message_is_already_readable(client: TestClient[Litestar], alice: Account) -> None:
    with signed_in(client, alice) as ws:
        for i in range(5):
            ack = send_message(ws, f"m{i}")
            response = client.get(f"/api/chat-sessions/{ack['documentId']}", headers=alice.headers)
            assert response.status_code == 200, response.text
            assert response.json()["data"]["message"] == f"m{i}"


def test_a_repeated_client_id_returns_the_original_row(client: TestClient[Litestar], alice: Account) -> None:
    with signed_in(client, alice) as ws:
        first = send_message(ws, "hello", clientId="c-1")
        again = send_message(ws, "hello, edited", clientId="c-1")
        other = send_message(ws, "hello", clientId="c-2")

    assert first["clientId"] == "c-1" and again == first
    assert other["id"] != first["id"]
    assert [row["message"] for row in stored(client, alice, kind="message")] == ["hello", "hello"]


def test_a_client_id_retried_on_a_new_connection_is_not_duplicated(
    client: TestClient[Litestar], alice: Account
) -> None:
    with signed_in(client, alice) as ws:
        first = send_message(ws, "hello", clientId="c-1")
    with signed_in(client, alice, path="/") as ws:
        ws.send_json({"content": "hello", "clientId": "c-1"})
        assert ws.receive_text(timeout=5) == "Server received: hello"
    with signed_in(client, alice) as ws:
        assert send_message(ws, "hello", clientId="c-1") == first

    assert len(stored(client, alice, kind="message")) == 1


def test_client_ids_are_per_user(client: TestClient[Litestar], alice: Account, bob: Account) -> None:
    with signed_in(client, alice) as ws:
        mine = send_message(ws, "alice's", clientId="same")
    with signed_in(client, bob) as ws:
        theirs = send_message(ws, "bob's", clientId="same")

    assert theirs["id"] != mine["id"] and theirs["content"] == "bob's"


@memory_only
def test_with_the_database_down_nothing_is_acknowledged_and_the_client_can_retry(
    client: TestClient[Litestar], alice: Account, memory_db: InMemoryDatabase
) -> None:
    with signed_in(client, alice) as ws:
        memory_db.available = False
        assert error_code(send_message(ws, "hello", clientId="c-1")) == "unavailable"
        assert error_code(send_message(ws, "hello", clientId="c-1")) == "unavailable"
        memory_db.available = True
        ack = send_message(ws, "hello", clientId="c-1")
        assert ack["action"] == "message" and ack["clientId"] == "c-1"

    assert [row["message"] for row in stored(client, alice, kind="message")] == ["hello"]


@memory_only
def test_the_text_protocol_reports_the_outage_and_recovers(
    client: TestClient[Litestar], alice: Account, memory_db: InMemoryDatabase
) -> None:
    with signed_in(client, alice, path="/") as ws:
        memory_db.available = False
        ws.send_json({"content": "hello"})
        assert ws.receive_text(timeout=5).startswith("Error: unavailable: ")
        memory_db.available = True
        ws.send_json({"content": "hello"})
        assert ws.receive_text(timeout=5) == "Server received: hello"


@memory_only
def test_authentication_during_an_outage_can_be_retried_on_the_same_connection(
    client: TestClient[Litestar], alice: Account, memory_db: InMemoryDatabase
) -> None:
    memory_db.available = False
    with client.websocket_connect(f"/ws?token={alice.jwt}") as ws:
        assert error_code(receive(ws)) == "unavailable"
        memory_db.available = True
        ws.send_json({"action": "connect", "token": alice.jwt})
        assert receive(ws)["action"] == "welcome"
        assert send_message(ws, "hello")["content"] == "hello"


@memory_only
def test_a_message_the_database_refuses_is_rejected_so_the_client_does_not_retry(
    client: TestClient[Litestar], alice: Account, memory_db: InMemoryDatabase
) -> None:
    with signed_in(client, alice) as ws:
        del memory_db.users[alice.user["id"]]  # the account is deleted while it is connected
        assert error_code(send_message(ws, "hello", clientId="c-1")) == "rejected"
        ws.send_json({"action": "ping"})
        assert receive(ws) == {"action": "pong"}

    assert memory_db.messages == {}
