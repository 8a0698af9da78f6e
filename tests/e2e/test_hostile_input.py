"""Hostile input from anyone: documents nested to blow the parser's stack, odd ids, odd tokens."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import connect

from tests.e2e.clients import assert_strapi_error, exchange, frames_until_close, open_chat, register
from tests.e2e.raw_http import assert_refusal, open_raw, read_until_closed
from tests.e2e.server import ChatServer, ServerFactory
from tests.e2e.store import wait_for_lock_waiters

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


async def test_framework_refusals_are_in_the_envelope(start_server: ServerFactory) -> None:
    server = await start_server(CORS_ORIGINS="https://good.example")
    for request in (b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", b"GET /\x00 HTTP/1.1\r\n\r\n"):
        reader, writer = await open_raw(server.port)
        writer.write(request)
        assert_refusal(await read_until_closed(reader), 400, "ValidationError")
        writer.close()
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        assert_strapi_error(await http.get("/schema/redoc"), 404, "NotFoundError")
        preflight = {"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
        assert_strapi_error(await http.options("/api/auth/local", headers=preflight), 400, "ValidationError")
        head = await http.head("/_health")
        assert (head.status_code, head.content) == (200, b"")
        error = assert_strapi_error(await http.post("/api/auth/local"), 400, "ValidationError")
        assert error["message"] == "A JSON object is required as the request body"


async def test_ids_beyond_bigint_or_in_other_digits_identify_nobody(start_server: ServerFactory) -> None:
    server = await start_server(WS_LEGACY_USER_ID="true")
    alice = await register(server.http_url, "alice")
    for claimed in ("9" * 5000, "\uff11", str(2**63), 10**30):  # 5,000 digits, fullwidth 1, beyond BIGINT
        frames, code = await frames_until_close(
            f"{server.ws_url}/ws", send=json.dumps({"action": "connect", "userId": claimed})
        )
        assert [json.loads(f)["code"] for f in frames] == ["unauthenticated"] and code == 1008, (claimed, frames)
        async with connect(f"{server.ws_url}/") as text_ws:
            await text_ws.recv()  # the legacy welcome
            await text_ws.send(json.dumps({"userId": claimed, "content": "hi"}))
            assert str(await text_ws.recv()).startswith("Error: unauthenticated:")
    ws = await open_chat(server.ws_url, alice)  # the genuine id still works, as a string too
    assert (await exchange(ws, {"action": "connect", "userId": str(alice.id)}))["action"] == "welcome"
    await ws.close()


async def test_concurrent_deletes_of_one_row_succeed_exactly_once(server: ChatServer, db: asyncpg.Connection) -> None:
    alice = await register(server.http_url, "alice")
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10, headers=alice.headers) as http:
        created = (await http.post("/api/chat-sessions", json={"data": {"message": "once"}})).json()["data"]
        # A row lock held by another session makes all eight wait, then race for the same row.
        async with db.transaction():
            await db.execute("SELECT 1 FROM chat_sessions WHERE id = $1 FOR UPDATE", created["id"])
            deletes = [asyncio.create_task(http.delete(f"/api/chat-sessions/{created['documentId']}")) for _ in range(8)]
            await wait_for_lock_waiters(db, 8)
        statuses = sorted(response.status_code for response in await asyncio.gather(*deletes))
    assert statuses[0] in (200, 204) and statuses[1:] == [404] * 7, statuses


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
async def test_usernames_are_unique_by_one_rule_and_never_invisible(
    start_server: ServerFactory, tmp_path: Path, backend: str
) -> None:
    env = {"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"} if backend == "sqlite" else {}
    server = await start_server(**env)
    twins = [("Émile", "émile"), ("ＡＬＩＣＥ", "alice"), ("\u00e9lodie", "e\u0301lodie"), ("zoë", "ZOË")]
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        for n, (first, twin) in enumerate(twins):
            for m, name in enumerate((first, twin)):
                response = await http.post("/api/auth/local/register", json={
                    "username": name, "email": f"user{n}-{m}@example.com", "password": "correct horse"})
                if m == 0:
                    assert response.status_code == 200, response.text
                else:
                    error = assert_strapi_error(response, 400, "ApplicationError")
                    assert error["message"] == "Email or Username are already taken", (first, twin)
        for hidden in ("ali\u200bce2", "bob\u202e", "car\u00a0ol"):
            response = await http.post("/api/auth/local/register", json={
                "username": hidden, "email": "hidden@example.com", "password": "correct horse"})
            assert_strapi_error(response, 400, "ValidationError")
        login = await http.post("/api/auth/local", json={"identifier": "ÉMILE", "password": "correct horse"})
        assert login.status_code == 200 and login.json()["user"]["username"] == "Émile"
