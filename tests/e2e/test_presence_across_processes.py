"""Presence across processes: a server killed with SIGKILL says nothing, so the others notice its
silence and show its users offline to whoever shares a conversation with them.

Issue #14 asks for 30 s: that is PRESENCE_TIMEOUT (25 s) plus the one-second check. The servers here
keep a shorter timeout, so the same mechanism is held to the same margin in a fifth of the time."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import ClientConnection

from tests.e2e.clients import Account, next_frame, open_chat, register
from tests.e2e.server import ChatServer, ServerFactory

pytestmark = pytest.mark.e2e

EVENTS_CHANNEL = "chatapp_events"  # where the processes of one database tell each other what happens
PRESENCE_TIMEOUT = 5.0  # a process silent this long is gone (heartbeats every third of it)
OFFLINE_WITHIN = PRESENCE_TIMEOUT + 2.0  # + the one-second check, + a second for the news to travel
HEARTBEAT_WITHIN = 10.0


async def direct(server: ChatServer, one: Account, other: Account) -> None:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        body = {"data": {"kind": "direct", "members": [other.id]}}
        response = await http.post("/api/conversations", json=body, headers=one.headers)
    assert response.status_code == 201, response.text


class Frames:
    """Everything one connection receives, in order, read as it comes."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []

    async def until(self, wanted: Callable[[dict[str, Any]], bool], timeout: float) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                frame = await next_frame(self.ws, timeout)
                self.seen.append(frame)
                if wanted(frame):
                    return frame


def presence(user: Account, online: bool) -> Callable[[dict[str, Any]], bool]:
    return lambda f: f["action"] == "presence" and f["user"]["id"] == user.id and f["online"] is online


async def test_a_killed_servers_users_are_shown_offline_after_the_presence_timeout_unless_still_connected_elsewhere(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    timeout = {"PRESENCE_TIMEOUT": str(PRESENCE_TIMEOUT)}
    east, west = await start_server(**timeout), await start_server(**timeout)
    alice, bob, carol = [await register(east.http_url, name) for name in ("alice", "bob", "carol")]
    await direct(east, alice, bob)
    await direct(east, alice, carol)
    heard: asyncio.Queue[dict[str, Any]] = asyncio.Queue()  # what the processes tell each other
    await db.add_listener(EVENTS_CHANNEL, lambda *args: heard.put_nowait(json.loads(args[-1])))

    watcher = Frames(await open_chat(east.ws_url, alice))
    carol_east = await open_chat(east.ws_url, carol)  # carol stays connected to the surviving server
    await watcher.until(presence(carol, True), 10)
    carol_west = await open_chat(west.ws_url, carol)
    bob_west = await open_chat(west.ws_url, bob)
    await watcher.until(presence(bob, True), 10)  # from west, through PostgreSQL

    # West's id is on its news of bob. Kill it right after one of its heartbeats: the worst case,
    # its last sign of life is the moment it dies.
    async with asyncio.timeout(HEARTBEAT_WITHIN):
        while (news := await heard.get()).get("p") is None or news["p"][0]["id"] != bob.id:
            pass
        west_id = news["n"]
        while not ((beat := await heard.get())["n"] == west_id and beat.get("a")):
            pass
    west.kill()
    killed_at = time.monotonic()

    await watcher.until(presence(bob, False), OFFLINE_WITHIN)
    offline_after = time.monotonic() - killed_at
    assert offline_after < OFFLINE_WITHIN, f"bob shown offline {offline_after:.1f} s after his server died"
    # Carol's news would have come first (east heard of her on west before bob); a ping's answer
    # comes after anything already on its way.
    await watcher.ws.send(json.dumps({"action": "ping"}))
    await watcher.until(lambda f: f["action"] == "pong", 10)
    assert not any(presence(carol, False)(frame) for frame in watcher.seen), watcher.seen
    for ws in (watcher.ws, carol_east, carol_west, bob_west):
        await ws.close()
