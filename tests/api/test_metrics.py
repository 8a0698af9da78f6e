"""`/metrics`: what an operator scrapes — HTTP requests by route, and the WebSocket connections open now."""

from __future__ import annotations

import re

from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import Account
from tests.api.ws_support import eventually, signed_in


# One registry per process: tests compare before and after, as other apps in the run count too.
def metric(client: TestClient[Litestar], pattern: str) -> float:
    found = re.search(rf"^{pattern} (\S+)$", client.get("/metrics").text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def open_websockets(client: TestClient[Litestar]) -> float:
    return metric(client, "chatapp_websocket_connections")


def test_http_requests_are_counted_by_route(client: TestClient[Litestar], alice: Account) -> None:
    requests_to_me = r'litestar_requests_total\{app_name="chatapp",method="GET",path="/api/users/me",status_code="200"\}'
    before = metric(client, requests_to_me)

    client.get("/api/users/me", headers=alice.headers)

    assert metric(client, requests_to_me) == before + 1


def test_open_websocket_connections_are_a_gauge(client: TestClient[Litestar], alice: Account) -> None:
    before = open_websockets(client)
    with signed_in(client, alice), signed_in(client, alice, path="/"):
        assert open_websockets(client) == before + 2
    assert eventually(lambda: open_websockets(client) == before)
