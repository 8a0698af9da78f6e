"""Per-connection rate limit and the browser Origin check."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import Account
from tests.api.ws_support import WELCOME, closed_with, error_code, receive, send_message, signed_in, stored

BURST = 3


class TestRateLimit:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        # A refill far slower than the test: the burst is all a connection has.
        return {"ws_rate_limit": "1/hour", "ws_rate_burst": BURST}

    def test_messages_beyond_the_burst_are_refused_and_not_stored(
        self, client: TestClient[Litestar], alice: Account
    ) -> None:
        with signed_in(client, alice) as ws:
            acks = [send_message(ws, f"m{i}") for i in range(BURST)]
            assert [ack["content"] for ack in acks] == ["m0", "m1", "m2"]
            refused = send_message(ws, "one too many")
            assert error_code(refused) == "rate_limited" and "clientId" not in refused
            refused = send_message(ws, "m0", clientId="retry")
            assert error_code(refused) == "rate_limited" and refused["clientId"] == "retry"

        assert [row["message"] for row in stored(client, alice, kind="message")] == ["m0", "m1", "m2"]

    def test_every_frame_spends_budget_pings_connects_and_refused_ones_too(
        self, client: TestClient[Litestar], alice: Account
    ) -> None:
        with signed_in(client, alice) as ws:
            ws.send_json({"action": "ping"})
            assert receive(ws) == {"action": "pong"}
            ws.send_json({"action": "connect"})
            assert receive(ws)["action"] == "welcome"
            ws.send_text("not json")
            assert error_code(receive(ws)) == "invalid_json"
            for frame in ({"action": "ping"}, {"action": "connect"}, {"action": "message", "content": "x"}):
                ws.send_json(frame)
                assert error_code(receive(ws)) == "rate_limited"

    def test_a_connection_that_keeps_exceeding_its_budget_is_closed(
        self, client: TestClient[Litestar], alice: Account
    ) -> None:
        with signed_in(client, alice) as ws:
            for i in range(BURST):
                assert send_message(ws, f"m{i}")["action"] == "message"
            for _ in range(3 * BURST):  # three bursts' worth of refusals are answered, one by one
                assert error_code(send_message(ws, "over")) == "rate_limited"
            ws.send_json({"action": "message", "content": "once more"})
            assert error_code(receive(ws)) == "rate_limited"
            assert closed_with(ws) == 1008

    def test_each_connection_has_its_own_budget(self, client: TestClient[Litestar], alice: Account) -> None:
        for _ in range(2):
            with signed_in(client, alice) as ws:
                for i in range(BURST):
                    assert send_message(ws, f"m{i}")["action"] == "message"

    def test_the_text_protocol_is_limited_too(self, client: TestClient[Litestar], alice: Account) -> None:
        with signed_in(client, alice, path="/") as ws:
            for i in range(BURST):
                ws.send_json({"content": f"m{i}"})
                assert ws.receive_text(timeout=5) == f"Server received: m{i}"
            ws.send_json({"content": "over"})
            assert ws.receive_text(timeout=5).startswith("Error: rate_limited: ")


class TestOriginCheck:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"ws_allowed_origins": "https://chat.example, http://localhost:3000"}

    @pytest.mark.parametrize("origin", ["https://chat.example", "http://localhost:3000"])
    def test_an_allowed_origin_connects(
        self, client: TestClient[Litestar], alice: Account, origin: str
    ) -> None:
        with client.websocket_connect(f"/ws?token={alice.jwt}", headers={"Origin": origin}) as ws:
            assert receive(ws)["action"] == "welcome"

    def test_a_client_without_origin_is_not_a_browser_and_connects(
        self, client: TestClient[Litestar], alice: Account
    ) -> None:
        with client.websocket_connect(f"/ws?token={alice.jwt}") as ws:
            assert receive(ws)["action"] == "welcome"

    def test_another_origin_is_refused_before_anything_else(
        self, client: TestClient[Litestar], alice: Account
    ) -> None:
        with client.websocket_connect(
            f"/ws?token={alice.jwt}", headers={"Origin": "https://evil.example"}
        ) as ws:
            assert error_code(receive(ws)) == "forbidden"
            assert closed_with(ws) == 1008

        assert stored(client, alice) == []

    def test_the_text_protocol_checks_it_too(self, client: TestClient[Litestar], alice: Account) -> None:
        with client.websocket_connect(
            f"/?token={alice.jwt}", headers={"Origin": "https://evil.example"}
        ) as ws:
            assert ws.receive_text(timeout=5).startswith("Error: forbidden: ")
            assert closed_with(ws) == 1008


def test_without_allowed_origins_any_origin_connects(client: TestClient[Litestar], alice: Account) -> None:
    with client.websocket_connect(
        f"/?token={alice.jwt}", headers={"Origin": "https://anywhere.example"}
    ) as ws:
        assert ws.receive_text(timeout=5) == WELCOME
