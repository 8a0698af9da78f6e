"""A client that never reads: bounded server memory, other clients unaffected, then a close."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections import Counter

import asyncpg
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.e2e.clients import Account, close_code, exchange, next_frame, open_chat, register, register_many
from tests.e2e.server import ChatServer, ServerFactory
from tests.e2e.store import disconnect_rows

pytestmark = pytest.mark.e2e

SLOW_CLIENTS = 6
FRAMES_PER_SLOW_CLIENT = 2000
CONTENT = "s" * 3000  # ~6 MB of acks per slow client: ~36 MB if the server queued them all
# WS_PING_INTERVAL is left at its default (20 s): a send that waits half of it gives up (1013), well
# before keepalive would drop the peer (a ping, then as long again for its pong).
DROPPED_WITHIN_SECONDS = 40.0
RSS_GROWTH_LIMIT = 30 * 2**20
FAST_ROUND_TRIP_LIMIT = 1.0  # a generous bound: unloaded, a round trip takes milliseconds
SLOW_CONSUMER_CLOSE_CODES = {1008, 1013}


async def stalled_client(server: ChatServer, account: Account) -> tuple[ClientConnection, asyncio.Task[None]]:
    """Connected and welcomed, then flooding the server while never reading again.

    A tiny receive buffer and a one-frame client queue make the stall show at once.
    """
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", server.port))
    ws = await connect(f"{server.ws_url}/ws?token={account.jwt}", sock=sock, max_queue=1, compression=None)
    assert (await next_frame(ws))["action"] == "welcome"

    async def flood() -> None:
        try:
            for n in range(FRAMES_PER_SLOW_CLIENT):
                await ws.send(json.dumps({"action": "message", "content": CONTENT, "clientId": f"slow-{n}"}))
        except ConnectionClosed:
            pass

    return ws, asyncio.create_task(flood())


async def test_a_client_that_never_reads_is_bounded_and_harmless_then_closed(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    server = await start_server(WS_RATE_LIMIT="0")
    slow_accounts = await register_many(server.http_url, "slow", SLOW_CLIENTS)
    fast = await open_chat(server.ws_url, await register(server.http_url, "fast"))
    for n in range(50):  # warm-up before the baseline
        assert (await exchange(fast, {"action": "message", "content": f"warm-up {n}"}))["action"] == "message"
    baseline = server.rss_bytes()

    stalled = [await stalled_client(server, account) for account in slow_accounts]
    slow_ids = Counter({account.id: 1 for account in slow_accounts})
    peak, slowest, round_trips = baseline, 0.0, 0
    deadline = time.monotonic() + DROPPED_WITHIN_SECONDS
    while not (dropped := await disconnect_rows(db)) >= slow_ids and time.monotonic() < deadline:
        started = time.monotonic()
        ack = await exchange(fast, {"action": "message", "content": f"still fast {round_trips}"})
        assert ack["action"] == "message", ack
        slowest = max(slowest, time.monotonic() - started)
        peak = max(peak, server.rss_bytes())
        round_trips += 1

    assert round_trips > 0 and slowest < FAST_ROUND_TRIP_LIMIT, f"fast client slowed to {slowest:.2f} s"
    assert peak - baseline < RSS_GROWTH_LIMIT, f"server RSS grew by {(peak - baseline) / 2**20:.1f} MiB"
    assert dropped == slow_ids, f"slow consumers still connected after {DROPPED_WITHIN_SECONDS} s: {slow_ids - dropped}"
    consumed = await db.fetch("SELECT user_id, count(*) FROM chat_sessions WHERE client_id LIKE 'slow-%' GROUP BY 1")
    assert all(row["count"] < FRAMES_PER_SLOW_CLIENT for row in consumed), "the server kept reading from a peer" \
        f" that does not read its answers (an unbounded send queue): {[dict(row) for row in consumed]}"
    # A peer that reads again once it has been given up on finds the documented close code.
    codes = Counter(await asyncio.gather(*(close_code(ws) for ws, _ in stalled)))
    assert codes.keys() <= SLOW_CONSUMER_CLOSE_CODES, codes
    for _, flood in stalled:
        await flood
    await fast.close()
