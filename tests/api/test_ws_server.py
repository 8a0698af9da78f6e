"""The gateway under a real uvicorn server and a real `websockets` client: TCP drops and shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import anyio
import httpx
import pytest
import uvicorn
from dishka import Provider, Scope, provide
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.adapters.memory.message_log import InMemoryMessageLog
from chatapp.application.ports.persistence import MessageLog
from chatapp.domain.chat_message import ChatMessage, MessageKind, NewChatMessage
from chatapp.entrypoints.app import create_app
from chatapp.entrypoints.ioc.persistence import MemoryPersistenceProvider
from chatapp.entrypoints.server.read_window import UNREAD_WINDOW_CHARS
from chatapp.entrypoints.server.websocket_protocol import SlottedWebSocketProtocol
from tests.api.conftest import PASSWORD, make_settings
from tests.api.ws_support import RECEIVE_TIMEOUT, WELCOME, eventually

SERVER_DEADLINE = 20.0  # seconds for the server to do what a test waits for: the test fails, never hangs


@dataclass
class Server:
    db: InMemoryDatabase
    port: int
    server: uvicorn.Server
    thread: threading.Thread

    def ws_url(self, path: str, token: str) -> str:
        return f"ws://127.0.0.1:{self.port}{path}?token={token}"

    def register(self, username: str) -> dict[str, Any]:
        body = {"username": username, "email": f"{username}@example.com", "password": PASSWORD}
        response = httpx.post(f"http://127.0.0.1:{self.port}/api/auth/local/register", json=body, timeout=10)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def disconnects(self) -> list[ChatMessage]:
        return [m for m in list(self.db.messages.values()) if m.kind == MessageKind.DISCONNECT]

    def stop(self) -> None:
        """What SIGTERM does to `chatapp serve`, without signals (they belong to the main thread)."""
        self.server.should_exit = True


@contextmanager
def serving(
    *providers: Provider, graceful_shutdown: int = 5, ws_protocol: Any = "auto", **settings: Any
) -> Iterator[Server]:
    db = InMemoryDatabase()
    app = create_app(make_settings(**settings), MemoryPersistenceProvider(db), *providers)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # clients queue in the backlog until uvicorn accepts: no need to wait for startup
    config = uvicorn.Config(
        app, log_config=None, lifespan="on", timeout_graceful_shutdown=graceful_shutdown, ws=ws_protocol
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    try:
        yield Server(db=db, port=listener.getsockname()[1], server=server, thread=thread)
    finally:
        server.should_exit = True
        thread.join(10)


async def receive(ws: ClientConnection) -> str | bytes:
    with anyio.fail_after(RECEIVE_TIMEOUT):
        return await ws.recv()


async def welcomed(ws: ClientConnection, user_id: int) -> None:
    assert json.loads(await receive(ws)) == {"action": "welcome", "content": WELCOME, "userId": user_id}


async def close_code(ws: ClientConnection) -> int | None:
    """Read (and drop) frames until the server closes; its close code."""
    with pytest.raises(ConnectionClosed) as closed:
        with anyio.fail_after(SERVER_DEADLINE):
            while True:
                await ws.recv()
    return closed.value.rcvd.code if closed.value.rcvd else None


async def test_both_protocols_over_a_real_socket() -> None:
    with serving() as server:
        alice = server.register("alice")
        async with connect(server.ws_url("/ws", alice["jwt"])) as ws:
            await welcomed(ws, alice["user"]["id"])
            await ws.send(json.dumps({"action": "message", "content": "hi", "clientId": "c-1"}))
            ack = json.loads(await receive(ws))
            assert (ack["action"], ack["content"], ack["clientId"]) == ("message", "hi", "c-1")
        async with connect(server.ws_url("/", alice["jwt"])) as ws:
            assert await receive(ws) == WELCOME
            await ws.send(json.dumps({"userId": alice["user"]["id"], "content": "hi"}))
            assert await receive(ws) == "Server received: hi"

        assert eventually(lambda: len(server.disconnects()) == 2)  # one per connection, stored after each close


async def test_an_abrupt_tcp_drop_stores_one_disconnect_row() -> None:
    with serving() as server:
        alice = server.register("alice")
        async with connect(server.ws_url("/ws", alice["jwt"])) as ws:
            await welcomed(ws, alice["user"]["id"])
            ws.transport.abort()  # no close frame: the peer just vanishes

        [row] = eventually(server.disconnects)
        assert (row.user_id, row.message) == (alice["user"]["id"], "alice has disconnected")


async def test_shutdown_closes_sockets_with_1012_and_records_their_disconnects() -> None:
    with serving() as server:
        alice, bob = server.register("alice"), server.register("bob")
        async with (
            connect(server.ws_url("/ws", alice["jwt"])) as on_ws,
            connect(server.ws_url("/", bob["jwt"])) as on_text,
        ):
            await welcomed(on_ws, alice["user"]["id"])
            assert await receive(on_text) == WELCOME
            server.stop()
            assert await close_code(on_ws) == 1012
            assert await close_code(on_text) == 1012

        server.thread.join(10)
        assert not server.thread.is_alive()
        assert sorted(row.username for row in server.disconnects()) == ["alice", "bob"]


class StallingMessageLog(MessageLog):
    """Never finishes storing a chat message (a hung database), while disconnect rows go through."""

    def __init__(self, db: InMemoryDatabase, stalled: threading.Event) -> None:
        self._log = InMemoryMessageLog(db)
        self._stalled = stalled

    async def append(self, draft: NewChatMessage) -> ChatMessage:
        if draft.kind == MessageKind.MESSAGE:
            self._stalled.set()
            await anyio.sleep_forever()
        await anyio.sleep(0.1)  # a database round trip: the cancelled handler must survive it
        return await self._log.append(draft)


async def test_a_handler_cancelled_at_shutdown_still_records_the_disconnect() -> None:
    stalled = threading.Event()

    class Stalling(Provider):
        @provide(scope=Scope.APP)
        def message_log(self, db: InMemoryDatabase) -> MessageLog:
            return StallingMessageLog(db, stalled)

    with serving(Stalling(), graceful_shutdown=1) as server:
        alice = server.register("alice")
        async with connect(server.ws_url("/ws", alice["jwt"])) as ws:
            await welcomed(ws, alice["user"]["id"])
            await ws.send(json.dumps({"action": "message", "content": "never stored"}))
            assert await anyio.to_thread.run_sync(stalled.wait, 10)
            server.stop()  # the handler is stuck in append, not in receive: uvicorn must cancel it
            assert await close_code(ws) == 1012

        server.thread.join(10)
        assert not server.thread.is_alive()
        [row] = server.disconnects()
        assert row.message == "alice has disconnected"


async def test_a_client_that_stops_reading_is_closed_and_its_disconnect_recorded() -> None:
    # WS_PING_INTERVAL bounds how long one frame may wait for the peer to read (uvicorn's own
    # keepalive keeps its 20 s default here, so the close code is ours).
    with serving(ws_ping_interval=2.0, ws_rate_limit="0") as server:
        slow, fast = server.register("slow"), server.register("fast")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", server.port))
        stalled = await connect(server.ws_url("/ws", slow["jwt"]), sock=sock, max_queue=1, compression=None)
        await welcomed(stalled, slow["user"]["id"])

        async def flood() -> None:  # never reads the acks
            with contextlib.suppress(ConnectionClosed):
                for n in range(5000):
                    await stalled.send(
                        json.dumps({"action": "message", "content": "s" * 3000, "clientId": f"{n}"})
                    )

        flooding = asyncio.create_task(flood())
        async with connect(server.ws_url("/ws", fast["jwt"])) as ws:
            await welcomed(ws, fast["user"]["id"])
            with anyio.fail_after(SERVER_DEADLINE):  # until the server gives up on the slow client
                while not server.disconnects():
                    await ws.send(json.dumps({"action": "message", "content": "still served"}))
                    assert json.loads(await receive(ws))["action"] == "message"

            assert [row.username for row in server.disconnects()] == ["slow"]
            assert await close_code(stalled) == 1013
        flooding.cancel()


async def test_a_reader_behind_by_more_than_the_read_window_is_not_mistaken_for_a_stalled_one() -> None:
    # `chatapp serve`'s protocol holds sends up while the peer is UNREAD_WINDOW_CHARS behind, until a
    # pong says it read on. Here a resume replays twice that, and the client sends a frame of its own
    # right behind the resume: uvicorn reads nothing after a frame until the app takes it, and the app
    # is busy replaying, so the pongs behind that frame must still be read or the replay would stall
    # until the send deadline (1013).
    with serving(ws_protocol=SlottedWebSocketProtocol, ws_rate_limit="0") as server:
        alice, bob = server.register("alice"), server.register("bob")
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(
                f"http://127.0.0.1:{server.port}/api/conversations",
                json={"data": {"kind": "direct", "members": [bob["user"]["id"]]}},
                headers={"Authorization": f"Bearer {alice['jwt']}"},
            )
        assert response.status_code == 201, response.text
        dm = response.json()["data"]["documentId"]
        content = "r" * 3000
        count = 2 * UNREAD_WINDOW_CHARS // len(content)
        async with connect(server.ws_url("/ws", alice["jwt"])) as ws:
            await welcomed(ws, alice["user"]["id"])
            for n in range(count):
                await ws.send(json.dumps({"action": "message", "conversation": dm, "content": content}))
                assert json.loads(await receive(ws))["seq"] == n + 1

        async with connect(server.ws_url("/ws", bob["jwt"])) as ws:
            await welcomed(ws, bob["user"]["id"])
            await ws.send(json.dumps({"action": "resume", "after": {dm: 0}}))
            await ws.send(json.dumps({"action": "ping"}))
            seqs = [json.loads(await receive(ws))["seq"] for _ in range(count)]
            assert seqs == list(range(1, count + 1))
            assert json.loads(await receive(ws)) == {"action": "resumed", "conversation": dm, "seq": count}
            assert json.loads(await receive(ws)) == {"action": "pong"}
