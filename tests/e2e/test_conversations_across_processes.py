"""Several processes, one chat: members spread over two servers on one PostgreSQL (and over the
workers of one), a server killed with SIGKILL mid-conversation and restarted, clients resuming.
Every member ends with every committed message of the conversation exactly once, in seq order."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import asyncpg
import httpx
import pytest
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from tests.e2e.clients import Account, open_chat, register
from tests.e2e.server import ChatServer, ServerFactory

pytestmark = pytest.mark.e2e

MESSAGES_PER_SIDE = 1000
KILL_AFTER = 400  # messages acknowledged to the killed server's sender before the kill
ACK_TIMEOUT = 10.0
RECONNECT_SECONDS = 40.0
CATCH_UP_SECONDS = 30.0
LOAD = {"WS_RATE_LIMIT": "0"}


class Member:
    """One person's client: one /ws connection at a time, resuming after every reconnect."""

    def __init__(self, account: Account, conversation: str) -> None:
        self.account = account
        self.conversation = conversation
        self.received: list[int] = []  # every seq of the conversation received, in arrival order
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._acks: dict[str, asyncio.Future[int]] = {}

    @property
    def position(self) -> int:
        return self.received[-1] if self.received else 0

    async def connect(self, server: ChatServer) -> None:
        """Connect (retrying while the server is down) and resume after the last seq received."""
        deadline = time.monotonic() + RECONNECT_SECONDS
        while True:
            try:
                self._ws = await open_chat(server.ws_url, self.account)
                break
            except (OSError, InvalidHandshake, InvalidStatus, TimeoutError, ConnectionClosed):
                assert time.monotonic() < deadline, f"could not reconnect to {server.ws_url}"
                await asyncio.sleep(0.1)  # client back-off while the server restarts
        await self._ws.send(json.dumps({"action": "resume", "after": {self.conversation: self.position}}))
        self._reader = asyncio.create_task(self._read(self._ws))

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                frame = json.loads(raw)
                if frame["action"] == "message" and frame.get("conversation") == self.conversation:
                    mine = frame["user"]["id"] == self.account.id
                    waiter = self._acks.pop(frame["clientId"], None) if mine else None
                    if frame["seq"] > self.position:
                        self.received.append(frame["seq"])
                    else:  # only a re-sent clientId is answered with a seq this client already has
                        assert waiter is not None, (frame, self.position)
                    if waiter is not None and not waiter.done():
                        waiter.set_result(frame["seq"])
        except ConnectionClosed:
            pass
        finally:
            for waiter in self._acks.values():
                if not waiter.done():
                    waiter.set_exception(ConnectionError("connection lost before the ack"))
            self._acks.clear()

    async def send(self, client_id: str) -> int:
        """Send one message and wait for its ack (its own frame, in seq order); its seq."""
        assert self._ws is not None
        waiter = self._acks[client_id] = asyncio.get_running_loop().create_future()
        frame = {"action": "message", "conversation": self.conversation, "content": client_id, "clientId": client_id}
        try:
            await self._ws.send(json.dumps(frame))
        except ConnectionClosed as closed:
            raise ConnectionError("connection lost") from closed
        return await asyncio.wait_for(waiter, ACK_TIMEOUT)

    async def connection_ended(self) -> None:
        assert self._reader is not None
        await asyncio.wait_for(asyncio.shield(self._reader), RECONNECT_SECONDS)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            with contextlib.suppress(Exception):
                await self._reader


async def send_all(member: Member, servers: list[ChatServer], prefix: str, count: int) -> None:
    """Closed loop; a message whose ack never came is sent again, same clientId, after reconnecting."""
    for n in range(count):
        client_id = f"{prefix}-{n}"
        while True:
            try:
                await member.send(client_id)
                break
            except (ConnectionError, TimeoutError):
                await member.connect(servers[0])


async def group_of(server: ChatServer, owner: Account, others: list[Account]) -> str:
    async with httpx.AsyncClient(base_url=server.http_url, timeout=10) as http:
        response = await http.post(
            "/api/conversations",
            json={"data": {"kind": "group", "title": "everyone", "members": [a.id for a in others]}},
            headers=owner.headers,
        )
    assert response.status_code == 201, response.text
    return str(response.json()["data"]["documentId"])


async def caught_up(members: list[Member], total: int) -> None:
    deadline = time.monotonic() + CATCH_UP_SECONDS
    while any(m.position < total for m in members):
        assert time.monotonic() < deadline, {m.account.username: m.position for m in members}
        await asyncio.sleep(0.05)  # polling interval of a bounded wait for deliveries
    for member in members:
        assert member.received == list(range(1, total + 1)), member.account.username


async def test_two_servers_one_killed_and_restarted_every_member_gets_every_message_once_in_order(
    start_server: ServerFactory, db: asyncpg.Connection
) -> None:
    east, west = await start_server(**LOAD), await start_server(**LOAD)
    accounts = [await register(east.http_url, name) for name in ("east1", "east2", "west1", "west2")]
    chat = await group_of(east, accounts[0], accounts[1:])
    members = [Member(account, chat) for account in accounts]
    homes = [east, east, west, west]
    for member, home in zip(members, homes, strict=True):
        await member.connect(home)

    east_sending = asyncio.create_task(send_all(members[0], [east], "east", MESSAGES_PER_SIDE))
    west_sending = asyncio.create_task(send_all(members[2], [west], "west", MESSAGES_PER_SIDE))
    deadline = time.monotonic() + 60
    while len(members[2].received) < KILL_AFTER:
        assert time.monotonic() < deadline and not west_sending.done(), "west never got going"
        await asyncio.sleep(0.01)  # polling interval of a bounded wait

    west.kill()  # SIGKILL: no shutdown code runs; west's clients see their connections drop
    await members[3].connection_ended()
    west.start()
    await west.wait_ready()
    await members[3].connect(west)  # the passive member comes back and resumes; west1 does so itself

    await asyncio.wait_for(asyncio.gather(east_sending, west_sending), 120)
    total = await db.fetchval(
        "SELECT count(*) FROM chat_sessions s JOIN conversations c ON c.id = s.conversation_id"
        " WHERE c.document_id = $1",
        chat,
    )
    assert total == 2 * MESSAGES_PER_SIDE  # every message stored once, whatever was retried
    seqs = await db.fetch(
        "SELECT s.seq FROM chat_sessions s JOIN conversations c ON c.id = s.conversation_id"
        " WHERE c.document_id = $1 ORDER BY s.seq",
        chat,
    )
    assert [row["seq"] for row in seqs] == list(range(1, total + 1))  # no gap
    await caught_up(members, total)
    for member in members:
        await member.close()


async def test_the_workers_of_one_server_deliver_to_each_other(start_server: ServerFactory) -> None:
    server = await start_server(workers=2, **LOAD)
    accounts = [await register(server.http_url, f"worker{n}") for n in range(8)]
    chat = await group_of(server, accounts[0], accounts[1:])
    members = [Member(account, chat) for account in accounts]
    for member in members:  # the kernel spreads the connections over both workers
        await member.connect(server)

    await send_all(members[0], [server], "w", 100)
    await caught_up(members, 100)
    for member in members:
        await member.close()

