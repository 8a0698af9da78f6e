"""A database that stops answering in time: locked tables, an exhausted pool. Answers come anyway."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest

from tests.e2e.clients import PASSWORD, assert_strapi_error, exchange, open_chat, register
from tests.e2e.server import ChatServer, ServerFactory

pytestmark = pytest.mark.e2e

ANSWER_WITHIN = 15.0  # the 5 s deadline, twice over, with slack for a loaded machine


async def test_a_locked_table_gets_unavailable_and_503_then_recovers(server: ChatServer, db: asyncpg.Connection) -> None:
    alice = await register(server.http_url, "alice")
    ws = await open_chat(server.ws_url, alice)
    async with httpx.AsyncClient(base_url=server.http_url, timeout=ANSWER_WITHIN, headers=alice.headers) as http:
        async with db.transaction():
            await db.execute("LOCK TABLE chat_sessions IN ACCESS EXCLUSIVE MODE")
            await ws.send('{"action": "message", "content": "stuck", "clientId": "c1"}')
            answer = await asyncio.wait_for(ws.recv(), ANSWER_WITHIN)
            assert '"code":"unavailable"' in str(answer), answer
            assert_strapi_error(await http.get("/api/chat-sessions"), 503, "ServiceUnavailableError")
            assert_strapi_error(await http.get("/_health"), 503, "ServiceUnavailableError")
        assert (await http.get("/_health")).status_code == 200
        ack = await exchange(ws, {"action": "message", "content": "retried", "clientId": "c1"})
        assert ack["action"] == "message" and ack["clientId"] == "c1", ack
    await ws.close()
    assert await db.fetchval("SELECT count(*) FROM chat_sessions WHERE client_id = 'c1'") == 1


async def test_an_exhausted_pool_answers_503_never_500(start_server: ServerFactory, db: asyncpg.Connection) -> None:
    server = await start_server(DATABASE_POOL_SIZE="2")
    alice = await register(server.http_url, "alice")
    async with httpx.AsyncClient(base_url=server.http_url, timeout=ANSWER_WITHIN) as http:
        async with db.transaction():
            await db.execute("LOCK TABLE up_users IN ACCESS EXCLUSIVE MODE")
            responses = await asyncio.gather(
                *(http.get("/api/users/me", headers=alice.headers) for _ in range(6)),
                *(http.post("/api/auth/local", json={"identifier": "alice", "password": PASSWORD}) for _ in range(2)),
            )
            for response in responses:
                assert_strapi_error(response, 503, "ServiceUnavailableError")
        assert (await http.get("/api/users/me", headers=alice.headers)).status_code == 200
