"""Helpers shared by the WebSocket API tests (test_ws_*.py)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest
from litestar import Litestar
from litestar.exceptions import WebSocketDisconnect
from litestar.testing import TestClient, WebSocketTestSession

from tests.api.conftest import Account

WELCOME = "Welcome to the WebSocket server!"
RECEIVE_TIMEOUT = 5.0
T = TypeVar("T")

# For tests that switch the in-memory database off: only that backend can be made to fail on demand.
memory_only = pytest.mark.parametrize("database_url", [None], ids=["memory"])


@contextmanager
def signed_in(
    client: TestClient[Litestar], account: Account, path: str = "/ws"
) -> Iterator[WebSocketTestSession]:
    """A connection authenticated by `?token=`, its greeting already read."""
    with client.websocket_connect(f"{path}?token={account.jwt}") as ws:
        if path == "/ws":
            assert receive(ws) == {"action": "welcome", "content": WELCOME, "userId": account.user["id"]}
        else:
            assert ws.receive_text(timeout=RECEIVE_TIMEOUT) == WELCOME
        yield ws


def receive(ws: WebSocketTestSession) -> Any:
    return ws.receive_json(timeout=RECEIVE_TIMEOUT)


def send_message(ws: WebSocketTestSession, content: str, **fields: Any) -> Any:
    ws.send_json({"action": "message", "content": content, **fields})
    return receive(ws)


def error_code(frame: Any) -> str:
    """The code of an error frame (which names the refused message's clientId, and the conversation
    the refused frame was about, if it had them)."""
    assert set(frame) - {"clientId", "conversation"} == {"action", "code", "content"}, frame
    assert frame["action"] == "error", frame
    assert isinstance(frame["content"], str) and frame["content"], frame
    return str(frame["code"])


def closed_with(ws: WebSocketTestSession) -> int:
    """Wait for the server to close the connection; its close code."""
    with pytest.raises(WebSocketDisconnect) as closed:
        ws.receive(timeout=RECEIVE_TIMEOUT)
    return int(closed.value.code)


def stored(client: TestClient[Litestar], account: Account, kind: str | None = None) -> list[dict[str, Any]]:
    """The account's rows as the REST API lists them, oldest first."""
    params = {"pagination[pageSize]": "100", "sort": "id:asc"}
    if kind is not None:
        params["filters[kind][$eq]"] = kind
    response = client.get("/api/chat-sessions", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


def eventually(probe: Callable[[], T], timeout: float = 2.0) -> T:
    """Poll `probe` until it returns something truthy. For effects the server completes after the
    client has gone (a disconnect row): there is no reply to wait for, only state to observe."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.01)
