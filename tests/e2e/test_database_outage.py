"""PostgreSQL restarted under load: `unavailable`/503 meanwhile, no crash, recovery by itself."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import connect

from tests.e2e.clients import (
    PASSWORD,
    ChatLoad,
    assert_strapi_error,
    close_code,
    exchange,
    frames_until_close,
    next_frame,
    open_chat,
    register,
    register_many,
)
from tests.e2e.postgres import PrivateCluster
from tests.e2e.server import ChatServer, ServerFactory
from tests.e2e.store import assert_stored_exactly_once, message_rows

pytestmark = pytest.mark.e2e

CLIENTS_PER_SERVER = 10
ACKS_BEFORE_OUTAGE = 5
NOTICE_WITHIN_SECONDS = 10.0  # the outage shows in /_health and in answers
RECOVER_WITHIN_SECONDS = 10.0  # PostgreSQL answers again -> the service does too, without a restart
EXIT_WITHIN_SECONDS = 10.0
SHUTDOWN_CLOSE_CODES = {1001, 1012}
TRY_AGAIN_LATER = 1013


@pytest.fixture
def outage(postgres_cluster: PrivateCluster) -> Iterator[PrivateCluster]:
    """The session's cluster, started again at teardown if a failing test left it stopped."""
    yield postgres_cluster
    if not postgres_cluster.is_running():
        postgres_cluster.start()


async def assert_rest_unavailable(server: ChatServer, token: str) -> None:
    async with httpx.AsyncClient(base_url=server.http_url, headers={"Authorization": f"Bearer {token}"}) as http:
        answers = [
            await http.get("/_health"),
            await http.get("/api/users/me"),
            await http.post("/api/chat-sessions", json={"data": {"message": "during the outage"}}),
            await http.post("/api/auth/local", json={"identifier": "outage0", "password": PASSWORD}),
            await http.post("/api/auth/local/register",
                            json={"username": "latecomer", "email": "late@example.com", "password": PASSWORD}),
            await http.post("/api/auth/forgot-password", json={"email": "outage0@example.com"}),
        ]
    health, *api = answers
    assert health.status_code == 503, health.text
    for answer in api:
        assert_strapi_error(answer, 503, "ServiceUnavailableError")


@pytest.mark.parametrize("processes", [1, 2], ids=["one-process", "two-processes"])
async def test_postgres_restart_answers_unavailable_then_recovers(
    start_server: ServerFactory, database_url: str, outage: PrivateCluster, processes: int
) -> None:
    servers = [await start_server(WS_RATE_LIMIT="0") for _ in range(processes)]
    accounts = await register_many(servers[0].http_url, "outage", CLIENTS_PER_SERVER * processes)
    # Never signed in anywhere: no process remembers this caller (RecentUsers), so even
    # GET /api/users/me needs the database.
    bystander = await register(servers[0].http_url, "bystander")
    load = ChatLoad([s.ws_url for s in servers], accounts)
    await load.start()
    await load.wait_for_acks(ACKS_BEFORE_OUTAGE)

    await asyncio.to_thread(outage.stop)
    for server in servers:
        await server.wait_health(503, NOTICE_WITHIN_SECONDS)
        await assert_rest_unavailable(server, bystander.jwt)
    await load.wait_for_errors("unavailable", timeout=NOTICE_WITHIN_SECONDS)
    acked_before = {sender.account.id: len(sender.acked) for sender in load.senders}

    await asyncio.to_thread(outage.start)
    for server in servers:
        await server.wait_health(200, RECOVER_WITHIN_SECONDS)
        assert server.is_running()
    # The very same connections are served again: the retried message and the ones after it.
    await load.wait_for_acks(max(acked_before.values()) + 3, RECOVER_WITHIN_SECONDS)
    await load.stop()

    db = await asyncpg.connect(database_url)
    try:
        assert_stored_exactly_once(load.acked(), await message_rows(db))
    finally:
        await db.close()


async def test_connections_opened_during_an_outage_are_told_to_come_back(
    start_server: ServerFactory, outage: PrivateCluster
) -> None:
    """/ws answers `unavailable` and stays open (a connect frame works once the database is back);
    the text protocol, which has no connect frame, closes 1013 (try again later)."""
    server = await start_server()
    alice = await register(server.http_url, "alice")
    await asyncio.to_thread(outage.stop)
    await server.wait_health(503, NOTICE_WITHIN_SECONDS)
    frames, code = await frames_until_close(f"{server.ws_url}/?token={alice.jwt}")
    assert (frames, code) == (["Error: unavailable: The database is unavailable"], TRY_AGAIN_LATER)
    async with connect(f"{server.ws_url}/ws?token={alice.jwt}") as ws:
        told = await next_frame(ws)
        assert (told["action"], told["code"]) == ("error", "unavailable"), told
        await asyncio.to_thread(outage.start)
        await server.wait_health(200, RECOVER_WITHIN_SECONDS)
        assert (await exchange(ws, {"action": "connect", "token": alice.jwt}))["action"] == "welcome"


async def test_sigterm_during_an_outage_still_closes_every_connection_and_exits_in_time(
    start_server: ServerFactory, outage: PrivateCluster
) -> None:
    """Disconnect rows cannot be stored then; shutting down must not wait for the database."""
    server = await start_server()
    accounts = await register_many(server.http_url, "stranded", CLIENTS_PER_SERVER)
    connections = [await open_chat(server.ws_url, account) for account in accounts]
    await asyncio.to_thread(outage.stop)
    await server.wait_health(503, NOTICE_WITHIN_SECONDS)

    server.signal(signal.SIGTERM)
    exit_status = asyncio.create_task(server.wait_exit(EXIT_WITHIN_SECONDS))
    codes = await asyncio.gather(*(close_code(ws, EXIT_WITHIN_SECONDS) for ws in connections))
    assert await exit_status in (0, -signal.SIGTERM), server.log_tail()
    assert set(codes) <= SHUTDOWN_CLOSE_CODES, codes
