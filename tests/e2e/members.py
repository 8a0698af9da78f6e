"""Conversation members as a client program keeps them: one /ws connection at a time, resuming after
every reconnect, with what each received, for the e2e tests of conversations."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

import httpx
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from tests.e2e.clients import Account, open_chat
from tests.e2e.server import ChatServer

ACK_TIMEOUT = 10.0
RECONNECT_SECONDS = 40.0
CATCH_UP_SECONDS = 30.0


class Member:
    """One person's client: one /ws connection at a time, resuming after every reconnect."""

    def __init__(self, account: Account, conversation: str) -> None:
        self.account = account
        self.conversation = conversation
        self.received: list[int] = []  # every seq of the conversation received, in arrival order
        self.arrived: dict[int, float] = {}  # seq -> when it arrived (time.monotonic)
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
                        self.arrived[frame["seq"]] = time.monotonic()
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

    async def send(self, client_id: str, content: str | None = None) -> int:
        """Send one message and wait for its ack (its own frame, in seq order); its seq."""
        assert self._ws is not None
        waiter = self._acks[client_id] = asyncio.get_running_loop().create_future()
        frame = {
            "action": "message",
            "conversation": self.conversation,
            "content": content or client_id,
            "clientId": client_id,
        }
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
