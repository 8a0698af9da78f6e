"""Clients of a real server: accounts over REST, chat connections over WebSocket, closed-loop load."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PASSWORD = "correct horse battery"
FRAME_TIMEOUT = 10.0  # no answer within this is a failure, never a wait
UNAVAILABLE_BACKOFF = 0.05


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    jwt: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.jwt}"}


def assert_strapi_error(response: httpx.Response, status: int, name: str | None = None) -> dict[str, Any]:
    """The Strapi v5 error envelope with this status (and name); returns its `error` object."""
    assert response.status_code == status, (response.request.url, response.status_code, response.text)
    body = response.json()
    assert body.keys() == {"data", "error"} and body["data"] is None, body
    error = body["error"]
    assert error.keys() == {"status", "name", "message", "details"} and error["status"] == status, body
    assert isinstance(error["message"], str) and isinstance(error["details"], dict), body
    if name is not None:
        assert error["name"] == name, body
    return error


async def register(http_url: str, username: str, password: str = PASSWORD) -> Account:
    async with httpx.AsyncClient(base_url=http_url, timeout=FRAME_TIMEOUT) as http:
        response = await http.post(
            "/api/auth/local/register",
            json={"username": username, "email": f"{username.lower()}@example.com", "password": password},
        )
    assert response.status_code == 200, response.text
    body = response.json()
    return Account(id=body["user"]["id"], username=username, jwt=body["jwt"])


async def register_many(http_url: str, prefix: str, count: int) -> list[Account]:
    return list(await asyncio.gather(*(register(http_url, f"{prefix}{n}") for n in range(count))))


async def next_frame(ws: ClientConnection, timeout: float = FRAME_TIMEOUT) -> dict[str, Any]:
    """The next frame, which must be a JSON object with an `action`."""
    frame = json.loads(await asyncio.wait_for(ws.recv(), timeout))
    assert isinstance(frame, dict) and isinstance(frame.get("action"), str), frame
    return frame


async def exchange(ws: ClientConnection, frame: dict[str, Any] | str | bytes) -> dict[str, Any]:
    """Send one frame and return the answer."""
    await ws.send(json.dumps(frame) if isinstance(frame, dict) else frame)
    return await next_frame(ws)


async def open_chat(ws_url: str, account: Account, **options: Any) -> ClientConnection:
    """A `/ws` connection authenticated at the handshake, past its welcome frame."""
    ws = await connect(f"{ws_url}/ws?token={account.jwt}", open_timeout=FRAME_TIMEOUT, **options)
    welcome = await next_frame(ws)
    assert welcome["action"] == "welcome" and welcome["userId"] == account.id, welcome
    return ws


async def close_code(ws: ClientConnection, timeout: float = FRAME_TIMEOUT) -> int | None:
    """Read (and drop) frames until the server closes; its close code, None if it sent no close frame."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                await ws.recv()
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd else None


@dataclass
class Sender:
    """One client's record of a closed-loop conversation."""

    account: Account
    acked: dict[str, int] = field(default_factory=dict)  # clientId -> row id from the ack
    in_flight: str | None = None  # sent, no answer yet: its fate is unknown to the client
    errors: list[str] = field(default_factory=list)
    close_code: int | None = None
    port: int = 0  # the local TCP port of its connection: which server process holds it


class ChatLoad:
    """Closed-loop senders, one connection per account: send, wait for the answer, send the next.

    A message refused as `unavailable` is retried with the same clientId, as a careful client would.
    A sender ends when its connection closes or when `stop()` is called.
    """

    def __init__(self, ws_url: str | list[str], accounts: list[Account]) -> None:
        urls = [ws_url] if isinstance(ws_url, str) else ws_url
        self.senders = [Sender(account) for account in accounts]
        self._urls = dict(zip(accounts, itertools.cycle(urls), strict=False))
        self._stopping = False
        self._progress = asyncio.Condition()
        self._tasks: list[asyncio.Task[None]] = []
        self._failure: BaseException | None = None

    async def start(self, *, one_by_one: bool = False) -> None:
        """Returns once every sender is connected and welcomed. `one_by_one` connects each after the
        previous one's welcome: the workers of one server, idle again each time, then race for each
        connection, where one worker woken by a burst may accept all of it."""
        if one_by_one:
            connections = [await open_chat(self._urls[s.account], s.account) for s in self.senders]
        else:
            connections = await asyncio.gather(*(open_chat(self._urls[s.account], s.account) for s in self.senders))
        for sender, ws in zip(self.senders, connections, strict=True):
            sender.port = ws.local_address[1]
        self._tasks = [asyncio.create_task(self._run(s, ws)) for s, ws in zip(self.senders, connections, strict=True)]

    async def wait_for_acks(self, per_sender: int, timeout: float = 30.0, senders: list[Sender] | None = None) -> None:
        among = self.senders if senders is None else senders
        await self._wait(lambda: all(len(s.acked) >= per_sender for s in among), timeout)

    def split_by_port(self, ports: set[int]) -> tuple[list[Sender], list[Sender]]:
        """(senders whose connection's local port is not in `ports`, those whose port is)."""
        return [s for s in self.senders if s.port not in ports], [s for s in self.senders if s.port in ports]

    async def wait_for_errors(self, code: str, per_sender: int = 1, timeout: float = 30.0) -> None:
        await self._wait(lambda: all(s.errors.count(code) >= per_sender for s in self.senders), timeout)

    async def _wait(self, predicate: Callable[[], bool], timeout: float) -> None:
        async with asyncio.timeout(timeout), self._progress:
            await self._progress.wait_for(lambda: self._failure is not None or predicate())
        if self._failure is not None:
            raise self._failure

    async def wait_until_closed(self, timeout: float = 30.0, senders: list[Sender] | None = None) -> None:
        """All senders (or these) ended: their connections closed."""
        among = {id(s) for s in (self.senders if senders is None else senders)}
        async with asyncio.timeout(timeout):
            await asyncio.gather(*(task for s, task in zip(self.senders, self._tasks, strict=True) if id(s) in among))

    async def stop(self) -> None:
        self._stopping = True
        await self.wait_until_closed()

    def acked(self) -> dict[tuple[int, str], int]:
        """(user id, clientId) -> acknowledged row id, over all senders."""
        return {(s.account.id, cid): row for s in self.senders for cid, row in s.acked.items()}

    async def _run(self, sender: Sender, ws: ClientConnection) -> None:
        try:
            for seq in itertools.count():
                client_id = f"m-{sender.account.id}-{seq}"
                while not await self._deliver(sender, ws, client_id):
                    await asyncio.sleep(UNAVAILABLE_BACKOFF)  # client back-off before a retry
                if self._stopping:
                    await ws.close()
                    return
        except ConnectionClosed as closed:
            sender.close_code = closed.rcvd.code if closed.rcvd else None
        except Exception as failure:  # an unexpected answer: wake up whoever waits, then fail
            async with self._progress:
                self._failure = failure
                self._progress.notify_all()
            raise

    async def _deliver(self, sender: Sender, ws: ClientConnection, client_id: str) -> bool:
        sender.in_flight = client_id
        answer = await exchange(ws, {"action": "message", "content": f"hello {client_id}", "clientId": client_id})
        async with self._progress:
            if answer["action"] == "message":
                assert answer["clientId"] == client_id, answer
                sender.acked[client_id] = answer["id"]
                sender.in_flight = None
            else:
                assert answer["action"] == "error" and answer["code"] == "unavailable", answer
                sender.errors.append(answer["code"])
            self._progress.notify_all()
        return sender.in_flight is None


async def frames_until_close(url: str, *, send: str | None = None, **options: Any) -> tuple[list[str], int | None]:
    """Connect (optionally send one frame), then collect every frame until the server closes.

    Returns the frames' raw text and the close code: None when the server sent no close frame
    or left the connection open for FRAME_TIMEOUT seconds.
    """
    received: list[str] = []
    async with connect(url, open_timeout=FRAME_TIMEOUT, **options) as ws:
        if send is not None:
            await ws.send(send)
        try:
            async with asyncio.timeout(FRAME_TIMEOUT):
                while True:
                    received.append(str(await ws.recv()))
        except ConnectionClosed as closed:
            return received, closed.rcvd.code if closed.rcvd else None
        except TimeoutError:
            return received, None
