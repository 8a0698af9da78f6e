"""Several processes on one PostgreSQL: they start together, and accounts stay unique across them."""

from __future__ import annotations

import asyncio
import itertools

import asyncpg
import httpx
import pytest

from tests.e2e.clients import PASSWORD, assert_strapi_error, exchange, open_chat, register
from tests.e2e.server import ServerFactory

pytestmark = pytest.mark.e2e

USERNAMES = 20
ATTEMPTS_PER_USERNAME = 6  # spread over both processes, in several letter cases


async def test_two_processes_start_together_on_an_empty_database(start_server: ServerFactory) -> None:
    """Both apply the migrations at once (as two pods would): both must come up."""
    first, second = await start_server(ready=False), await start_server(ready=False)
    await asyncio.gather(first.wait_ready(), second.wait_ready())


async def test_racing_registrations_of_one_username_yield_exactly_one_user(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    servers = [await start_server(), await start_server()]
    clients = [httpx.AsyncClient(base_url=s.http_url, timeout=30) for s in servers]

    async def attempt(name: str, n: int) -> httpx.Response:
        spelling = name.upper() if n % 2 else name  # case-insensitive uniqueness
        body = {"username": spelling, "email": f"{name}.{n}@example.com", "password": PASSWORD}
        return await clients[n % 2].post("/api/auth/local/register", json=body)

    names = [f"racer{i}" for i in range(USERNAMES)]
    try:
        answers = await asyncio.gather(
            *(attempt(name, n) for name, n in itertools.product(names, range(ATTEMPTS_PER_USERNAME)))
        )
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))

    winners = [a for a in answers if a.status_code == 200]
    for loser in (a for a in answers if a.status_code != 200):
        error = assert_strapi_error(loser, 400, "ApplicationError")
        assert error["message"] == "Email or Username are already taken"
    assert sorted(w.json()["user"]["username"].lower() for w in winners) == sorted(names)
    stored = await db.fetch("SELECT lower(username) AS name, count(*) FROM up_users GROUP BY 1")
    assert {row["name"]: row["count"] for row in stored} == dict.fromkeys(names, 1)


async def test_a_client_id_is_idempotent_across_processes(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    """A client retrying on another process (after a failover) gets the original row back."""
    first, second = await start_server(), await start_server()
    account = await register(first.http_url, "wanderer")
    acks = []
    for server in (first, second, first):
        ws = await open_chat(server.ws_url, account)
        acks.append(await exchange(ws, {"action": "message", "content": f"via {server.port}", "clientId": "k-1"}))
        await ws.close()
    assert {ack["id"] for ack in acks} == {acks[0]["id"]}, acks
    assert all(ack["content"] == acks[0]["content"] for ack in acks), acks
    count = await db.fetchval("SELECT count(*) FROM chat_sessions WHERE client_id = 'k-1'")
    assert count == 1
