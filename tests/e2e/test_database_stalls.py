"""A database that stops answering in time: locked tables, an exhausted pool. Answers come anyway."""

from __future__ import annotations

import asyncio
import signal
import time

import asyncpg
import httpx
import pytest

from tests.e2e.clients import (
    PASSWORD,
    ChatLoad,
    assert_strapi_error,
    exchange,
    open_chat,
    register,
    register_many,
)
from tests.e2e.server import ChatServer, ServerFactory
from tests.e2e.store import assert_stored_exactly_once, message_rows, wait_for_lock_waiters

pytestmark = pytest.mark.e2e

ANSWER_WITHIN = 15.0  # the 5 s deadline, twice over, with slack for a loaded machine
CLIENTS = 10
EXIT_WITHIN_SECONDS = 10.0  # docs/reliability.md: SIGTERM exits within 10 s
SHUTDOWN_CLOSE_CODES = {1001, 1012}


async def test_a_locked_table_gets_unavailable_and_503_then_recovers(server: ChatServer, db: asyncpg.Connection) -> None:
    alice = await register(server.http_url, "alice")
    ws = await open_chat(server.ws_url, alice)
    async with httpx.AsyncClient(base_url=server.http_url, timeout=ANSWER_WITHIN, headers=alice.headers) as http:
        async with db.transaction():
            await db.execute("LOCK TABLE chat_sessions IN ACCESS EXCLUSIVE MODE")
            await ws.send('{"action": "message", "content": "stuck", "clientId": "c1"}')
            # All three wait out the deadline at once: they are independent of each other.
            answer, listing, health = await asyncio.gather(
                asyncio.wait_for(ws.recv(), ANSWER_WITHIN), http.get("/api/chat-sessions"), http.get("/_health")
            )
            assert '"code":"unavailable"' in str(answer), answer
            assert_strapi_error(listing, 503, "ServiceUnavailableError")
            assert_strapi_error(health, 503, "ServiceUnavailableError")
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


async def test_sigterm_while_the_database_hangs_exits_in_time_and_keeps_what_was_acked(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    server = await start_server(WS_RATE_LIMIT="0")
    accounts = await register_many(server.http_url, "hung", CLIENTS)
    load = ChatLoad(server.ws_url, accounts)
    await load.start()
    await load.wait_for_acks(5)
    async with db.transaction():  # writes hang behind the lock until the server has exited
        await db.execute("LOCK TABLE chat_sessions IN ACCESS EXCLUSIVE MODE")
        await wait_for_lock_waiters(db, 1)
        server.signal(signal.SIGTERM)
        started = time.monotonic()
        status = await server.wait_exit(EXIT_WITHIN_SECONDS + 5)
        took = time.monotonic() - started
    assert status in (0, -signal.SIGTERM) and took < EXIT_WITHIN_SECONDS, (status, took, server.log_tail())
    await load.wait_until_closed(EXIT_WITHIN_SECONDS)
    assert {s.close_code for s in load.senders} <= SHUTDOWN_CLOSE_CODES
    assert_stored_exactly_once(load.acked(), await message_rows(db))
    closed = [r for r in server.log_records() if str(r.get("event")).startswith("websocket closed")]
    unstored = {r["event"].split("user_id=")[1].split()[0] for r in closed if "disconnect_stored=False" in r["event"]}
    stored = {row["user_id"] for row in await db.fetch("SELECT user_id FROM chat_sessions WHERE kind = 'disconnect'")}
    assert {str(a.id) for a in accounts} == unstored | {str(u) for u in stored}, (unstored, stored)
