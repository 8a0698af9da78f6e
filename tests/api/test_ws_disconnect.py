"""Every end of an authenticated connection stores exactly one disconnect row and logs it."""

from __future__ import annotations

import logging
import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.entrypoints.app import create_app
from tests.api.conftest import Account, make_settings, on_every_backend, on_sql, register
from tests.api.ws_support import (
    closed_with,
    error_code,
    eventually,
    memory_only,
    receive,
    send_message,
    signed_in,
    stored,
)


def disconnects(client: TestClient[Litestar], account: Account) -> list[dict[str, Any]]:
    return stored(client, account, kind="disconnect")


def exactly_one_disconnect(client: TestClient[Litestar], account: Account) -> dict[str, Any]:
    rows = eventually(lambda: disconnects(client, account))
    assert len(rows) == 1, rows
    row = rows[0]
    assert row["message"] == f"{account.user['username']} has disconnected"
    assert row["kind"] == "disconnect" and row["user"]["id"] == account.user["id"]
    return row


@pytest.mark.parametrize("path", ["/ws", "/"])
@pytest.mark.parametrize("code", [1000, 1001, 1006])
def test_a_client_close_stores_one_disconnect_row(
    client: TestClient[Litestar], alice: Account, path: str, code: int
) -> None:
    with signed_in(client, alice, path=path) as ws:
        ws.close(code)

    exactly_one_disconnect(client, alice)


@on_every_backend  # stored while the connection is torn down, through the SQL message log
def test_the_disconnect_row_comes_after_the_connections_messages(
    client: TestClient[Litestar], alice: Account
) -> None:
    with signed_in(client, alice) as ws:
        send_message(ws, "hi")

    exactly_one_disconnect(client, alice)
    assert [row["kind"] for row in stored(client, alice)] == ["message", "disconnect"]


def test_a_connect_frame_authenticated_connection_stores_one_too(
    client: TestClient[Litestar], alice: Account
) -> None:
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"action": "connect", "token": alice.jwt})
        assert receive(ws)["action"] == "welcome"
        ws.send_json({"action": "connect", "token": alice.jwt})
        assert receive(ws)["action"] == "welcome"

    exactly_one_disconnect(client, alice)


def test_a_server_side_close_of_an_authenticated_connection_stores_one_too(
    client: TestClient[Litestar], alice: Account
) -> None:
    with signed_in(client, alice) as ws:
        ws.send_json({"action": "connect", "token": "forged"})
        assert error_code(receive(ws)) == "unauthenticated"
        assert closed_with(ws) == 1008

    exactly_one_disconnect(client, alice)


@memory_only
def test_connections_that_never_authenticated_store_nothing(
    client: TestClient[Litestar], alice: Account, memory_db: InMemoryDatabase
) -> None:
    with client.websocket_connect("/ws") as ws:
        ws.send_json({"action": "ping"})
        assert receive(ws) == {"action": "pong"}
    with client.websocket_connect("/ws?token=forged") as ws:
        assert error_code(receive(ws)) == "unauthenticated"
        assert closed_with(ws) == 1008
    with signed_in(client, alice):
        pass

    exactly_one_disconnect(client, alice)
    assert [m.username for m in memory_db.messages.values() if m.kind == "disconnect"] == ["alice"]


class TestLegacyConnections:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"ws_legacy_user_id": True}

    def test_a_legacy_connect_stores_one(self, client: TestClient[Litestar], alice: Account) -> None:
        with client.websocket_connect("/ws") as ws:
            ws.send_json({"action": "connect", "userId": alice.user["id"]})
            assert receive(ws)["action"] == "welcome"

        exactly_one_disconnect(client, alice)

    def test_a_legacy_text_connection_stores_one_for_the_user_it_spoke_as(
        self, client: TestClient[Litestar], alice: Account
    ) -> None:
        with client.websocket_connect("/") as ws:
            ws.receive_text(timeout=5)
            for content in ("one", "two"):
                ws.send_json({"userId": alice.user["id"], "content": content})
                assert ws.receive_text(timeout=5) == f"Server received: {content}"

        exactly_one_disconnect(client, alice)


def test_the_end_is_logged_with_user_id_and_duration(
    client: TestClient[Litestar], alice: Account, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="chatapp.ws")
    with signed_in(client, alice) as ws:
        ws.close(1001)

    exactly_one_disconnect(client, alice)
    closes = eventually(
        lambda: [r.getMessage() for r in caplog.records if "websocket closed" in r.getMessage()]
    )
    [line] = closes
    assert f"user_id={alice.user['id']} " in line and "code=1001" in line
    assert re.search(r"duration=\d+\.\d{3}s", line), line


@memory_only
def test_a_disconnect_during_an_outage_is_stored_once_the_database_is_back(
    client: TestClient[Litestar], alice: Account, memory_db: InMemoryDatabase
) -> None:
    with signed_in(client, alice):
        memory_db.available = False

    memory_db.available = True
    exactly_one_disconnect(client, alice)


@on_sql  # the SQL message log refuses appends once the container has closed it
def test_a_connection_that_ends_as_the_app_shuts_down_still_stores_its_disconnect(database_url: str) -> None:
    settings = make_settings(database_url=database_url)
    with TestClient(create_app(settings)) as client:
        alice = register(client, "alice")
        with signed_in(client, alice):
            pass  # the app's shutdown begins while the server is still ending this connection

    with TestClient(create_app(settings)) as client:  # same database, same JWT secret
        assert len(disconnects(client, alice)) == 1
