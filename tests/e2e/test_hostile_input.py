"""Hostile input from anyone: documents nested to blow the parser's stack, odd ids, odd tokens."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.asyncio.client import connect

from tests.e2e.clients import assert_strapi_error, exchange, open_chat, register
from tests.e2e.server import ChatServer

pytestmark = pytest.mark.e2e

JSON_ROUTES = [
    "/api/auth/local",
    "/api/auth/local/register",
    "/api/auth/forgot-password",
    "/api/auth/reset-password",
    "/api/auth/change-password",
    "/api/chat-sessions",
]


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


async def test_deeply_nested_json_is_refused_as_invalid_on_every_route_and_frame(server: ChatServer) -> None:
    alice = await register(server.http_url, "alice")
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        for path in JSON_ROUTES:  # ~1.2 KB bodies nested 600 deep, anonymous and signed in
            for headers in ({}, alice.headers):
                response = await http.post(path, content=nested(600), headers=headers)
                assert_strapi_error(response, 400, "ValidationError")
        # Signed in, a relation field nested just past what the recursion limit allows once decoded.
        response = await http.post("/api/chat-sessions", content='{"user":' + nested(600) + "}", headers=alice.headers)
        assert_strapi_error(response, 400, "ValidationError")
    deep_frames = {  # ~60 KB, 30,000 deep, under a known and an unknown field
        "known": '{"action":"message","content":' + nested(30_000) + "}",
        "unknown": '{"action":"message","content":"hi","x":' + nested(30_000) + "}",
    }
    ws = await open_chat(server.ws_url, alice)
    for frame in deep_frames.values():
        answer = await exchange(ws, frame)
        assert (answer["action"], answer["code"]) == ("error", "invalid_json"), answer
    assert (await exchange(ws, {"action": "message", "content": "still here"}))["content"] == "still here"
    await ws.close()
    async with connect(f"{server.ws_url}/?token={alice.jwt}") as text_ws:
        await text_ws.recv()  # welcome
        await text_ws.send(json.dumps({"content": "x"})[:-1] + ',"x":' + nested(30_000) + "}")
        assert str(await text_ws.recv()).startswith("Error: invalid_json:")
        await text_ws.send(json.dumps({"content": "still here"}))
        assert await text_ws.recv() == "Server received: still here"
