"""Bad input gets an error frame and never costs the connection (except frames over the size limit)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import Account
from tests.api.ws_support import closed_with, error_code, eventually, receive, send_message, signed_in, stored

BAD_FRAMES = {
    "not JSON": ("hello", "invalid_json"),
    "truncated JSON": ('{"action": "message", "content": "hi"', "invalid_json"),
    "JSON nested 30,000 deep": ('{"action": "message", "x": ' + "[" * 30_000 + "]" * 30_000 + "}", "invalid_json"),
    "JSON array": ('["message", "hi"]', "invalid_frame"),
    "JSON string": ('"hi"', "invalid_frame"),
    "JSON null": ("null", "invalid_frame"),
    "missing action": ('{"content": "hi"}', "invalid_frame"),
    "non-string action": ('{"action": 1, "content": "hi"}', "invalid_frame"),
    "unknown action": ('{"action": "shout", "content": "hi"}', "unknown_action"),
    "content not a string": ('{"action": "message", "content": 42}', "invalid_frame"),
    "userId a list": ('{"action": "message", "content": "hi", "userId": [1]}', "invalid_frame"),
    "empty clientId": ('{"action": "message", "content": "hi", "clientId": ""}', "invalid_frame"),
    "clientId too long": (
        '{"action": "message", "content": "hi", "clientId": "' + "x" * 65 + '"}',
        "invalid_frame",
    ),
    "clientId a number": ('{"action": "message", "content": "hi", "clientId": 7}', "invalid_frame"),
    "token a number": ('{"action": "connect", "token": 7}', "invalid_frame"),
    "missing content": ('{"action": "message"}', "empty_message"),
    "null content": ('{"action": "message", "content": null}', "empty_message"),
    "empty content": ('{"action": "message", "content": ""}', "empty_message"),
    "blank content": ('{"action": "message", "content": " \\n\\t "}', "empty_message"),
    "content too long": ('{"action": "message", "content": "' + "x" * 4001 + '"}', "message_too_long"),
}


@pytest.mark.parametrize("frame, code", BAD_FRAMES.values(), ids=BAD_FRAMES.keys())
def test_each_bad_frame_gets_its_error_and_the_connection_keeps_working(
    client: TestClient[Litestar], alice: Account, frame: str, code: str
) -> None:
    with signed_in(client, alice) as ws:
        ws.send_text(frame)
        assert error_code(receive(ws)) == code
        assert send_message(ws, "still here")["content"] == "still here"

    assert [row["message"] for row in stored(client, alice, kind="message")] == ["still here"]


def test_a_refused_message_is_named_by_its_client_id(client: TestClient[Litestar], alice: Account) -> None:
    """So that a client with several messages in flight knows which one to show as not sent."""
    with signed_in(client, alice) as ws:
        refused = send_message(ws, " ", clientId="c-7")
        assert error_code(refused) == "empty_message" and refused["clientId"] == "c-7"
        assert "conversation" not in refused  # a personal message names no conversation
        ws.send_json({"action": "typing", "conversation": "nowhere"})
        refused = receive(ws)
        assert error_code(refused) == "not_found" and "clientId" not in refused
        assert refused["conversation"] == "nowhere"


def test_a_binary_frame_is_an_invalid_frame(client: TestClient[Litestar], alice: Account) -> None:
    with signed_in(client, alice) as ws:
        ws.send_bytes(b'{"action": "message", "content": "hi"}')
        assert error_code(receive(ws)) == "invalid_frame"
        assert send_message(ws, "still here")["content"] == "still here"


def test_content_is_judged_trimmed_and_stored_as_sent(client: TestClient[Litestar], alice: Account) -> None:
    content = "  " + "é" * 4000 + "  "
    with signed_in(client, alice) as ws:
        assert send_message(ws, content)["content"] == content

    assert stored(client, alice, kind="message")[0]["message"] == content


def test_the_text_protocol_reports_errors_as_text_and_keeps_going(
    client: TestClient[Litestar], alice: Account
) -> None:
    with signed_in(client, alice, path="/") as ws:
        for frame, code in [
            ("hello", "invalid_json"),
            ("[1]", "invalid_frame"),
            ('{"content": " "}', "empty_message"),
        ]:
            ws.send_text(frame)
            assert ws.receive_text(timeout=5).startswith(f"Error: {code}: ")
        ws.send_bytes(b"{}")
        assert ws.receive_text(timeout=5).startswith("Error: invalid_frame: ")
        ws.send_json({"content": "hi"})
        assert ws.receive_text(timeout=5) == "Server received: hi"


class TestFrameSizeLimit:
    @pytest.fixture
    def settings_overrides(self) -> dict[str, Any]:
        return {"ws_max_frame_bytes": 1024}

    def test_a_frame_at_the_limit_is_read(self, client: TestClient[Litestar], alice: Account) -> None:
        frame = '{"action":"message","content":"' + "x" * 1000 + '"}'
        frame = frame.replace("x" * 1000, "x" * (1000 + 1024 - len(frame)))
        assert len(frame.encode()) == 1024
        with signed_in(client, alice) as ws:
            ws.send_text(frame)
            assert receive(ws)["action"] == "message"

    @pytest.mark.parametrize("path", ["/ws", "/"])
    def test_a_larger_frame_closes_the_connection_with_1009(
        self, client: TestClient[Litestar], alice: Account, path: str
    ) -> None:
        with signed_in(client, alice, path=path) as ws:
            # 400 characters, 1200 bytes: the limit is on bytes.
            ws.send_json({"action": "message", "content": "€" * 400})
            assert closed_with(ws) == 1009

        assert stored(client, alice, kind="message") == []
        assert len(eventually(lambda: stored(client, alice, kind="disconnect"))) == 1

    def test_a_larger_binary_frame_closes_it_too(self, client: TestClient[Litestar], alice: Account) -> None:
        with signed_in(client, alice) as ws:
            ws.send_bytes(b"x" * 1025)
            assert closed_with(ws) == 1009
