"""The server's synchronous frame write (server/write_now.py): it writes what `send` would, only when
`send` would not wait, and never ahead of a frame a `send` holds. A fake transport, no sockets."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn
from uvicorn.server import ServerState
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.uri import parse_uri

from chatapp.entrypoints.server.websocket_protocol import SlottedWebSocketProtocol
from chatapp.entrypoints.server.write_now import WRITE_NOW

WAIT = 2.0


class FakeTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()
        self.closing = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)


@dataclass
class Connected:
    protocol: SlottedWebSocketProtocol
    transport: FakeTransport
    client: ClientProtocol
    send: Callable[[Any], Any]
    write_now: Callable[[str], bool]
    write_many: Callable[[list[str]], int]

    def frames(self) -> list[str]:
        """The text frames the client has received so far."""
        self.client.receive_data(bytes(self.transport.written))
        self.transport.written.clear()
        return [
            bytes(event.data).decode()
            for event in self.client.events_received()
            if isinstance(event, Frame) and event.opcode is Opcode.TEXT
        ]


@contextlib.asynccontextmanager
async def connected(*, compression: bool = False) -> AsyncIterator[Connected]:
    """A protocol whose app accepted the handshake, then lends the test its scope and `send`;
    with `compression`, the client negotiates permessage-deflate."""
    lent: asyncio.Future[tuple[Any, Any]] = asyncio.get_running_loop().create_future()
    done = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await receive()
        await send({"type": "websocket.accept"})
        lent.set_result((scope, send))
        await done.wait()

    config = uvicorn.Config(app, ws="websockets-sansio", log_config=None, lifespan="off")
    protocol = SlottedWebSocketProtocol(config=config, server_state=ServerState(), app_state={})
    transport = FakeTransport()
    protocol.connection_made(transport)
    extensions = [ClientPerMessageDeflateFactory()] if compression else None
    client = ClientProtocol(parse_uri("ws://127.0.0.1:8000/ws"), extensions=extensions)
    client.send_request(client.connect())
    protocol.data_received(client.data_to_send()[0])
    scope, send = await asyncio.wait_for(lent, WAIT)
    extension = scope["extensions"][WRITE_NOW]
    connection = Connected(protocol, transport, client, send, extension["write"], extension["write_many"])
    connection.frames()  # the handshake's response
    try:
        yield connection
    finally:
        done.set()
        if not protocol.disconnected:
            protocol.connection_lost(None)


async def test_a_frame_is_written_at_once_and_arrives_like_one_sent() -> None:
    async with connected() as c:
        assert c.write_now("now")
        await c.send({"type": "websocket.send", "text": "sent"})
        assert c.write_now("now again")
        assert c.frames() == ["now", "sent", "now again"]
        assert c.protocol.read_window.written == len("now") + len("sent") + len("now again")


async def test_one_frame_to_many_peers_reaches_each_as_its_connection_encodes_it() -> None:
    async with connected() as plain, connected() as other, connected(compression=True) as deflating:
        for text in ("a live message " * 20, "the next one " * 20):  # one string for every member
            assert all(c.write_now(text) for c in (plain, other, deflating))
            assert plain.transport.written == other.transport.written  # framed once, written twice
            assert len(deflating.transport.written) < len(plain.transport.written)  # compressed
            assert plain.frames() == other.frames() == deflating.frames() == [text]


async def test_nothing_is_written_while_the_transport_is_full_nor_ahead_of_the_send_waiting_for_it() -> None:
    async with connected() as c:
        c.protocol.pause_writing()  # the write buffer is above its high-water mark
        assert not c.write_now("too soon")
        sending = c.send({"type": "websocket.send", "text": "first"})
        sending.send(None)  # stepped by hand, as its task would be: it waits for the transport
        c.protocol.resume_writing()  # writable again, but "first" has not been written yet
        assert not c.write_now("second")
        with pytest.raises(StopIteration):
            sending.send(None)  # the send resumes, and writes
        assert c.write_now("second")
        assert c.frames() == ["first", "second"]


async def test_nothing_is_written_to_a_peer_a_read_window_behind() -> None:
    async with connected() as c:
        window = c.protocol.read_window
        window.written = window.window  # that much unread: a send would wait for a pong
        assert not c.write_now("held")
        window.release()  # the connection is ending: sends no longer wait
        assert c.write_now("goes")
        assert c.frames() == ["goes"]


async def test_a_probe_ping_follows_the_frame_that_completes_a_probe_interval() -> None:
    async with connected() as c:
        window = c.protocol.read_window
        window.probe_every = 10
        assert c.write_now("x" * 10)
        c.client.receive_data(bytes(c.transport.written))
        events = c.client.events_received()
        assert [event.opcode for event in events if isinstance(event, Frame)] == [Opcode.TEXT, Opcode.PING]


async def test_nothing_is_written_once_the_connection_closes() -> None:
    async with connected() as c:
        await c.send({"type": "websocket.close", "code": 1000})
        assert not c.write_now("after the close")
    async with connected() as c:
        c.protocol.connection_lost(None)
        assert not c.write_now("after the peer left")


async def test_many_frames_go_in_one_write_and_arrive_as_frames_sent_one_by_one() -> None:
    texts = ["short", "é" * 200, "x" * 70_000, '{"content":"line\\nbreak\u2028"}']  # each length encoding
    async with connected() as c, connected(compression=True) as deflating:
        writes = 0
        write = c.transport.write

        def counted(data: bytes | bytearray | memoryview) -> None:
            nonlocal writes
            writes += 1
            write(data)

        c.transport.write = counted  # type: ignore[method-assign]
        c.protocol.read_window.probe_every = 1_000_000  # no probe pings among the writes counted
        assert c.write_many(texts) == len(texts)
        assert deflating.write_many(texts) == len(texts)
        assert c.frames() == deflating.frames() == texts
        assert writes == 2  # the 70,000-character frame ends the first chunk of 64 KiB
        assert c.protocol.read_window.written == sum(len(text) for text in texts)


async def test_many_frames_stop_where_the_read_window_would_hold_the_next_one() -> None:
    async with connected() as c:
        window = c.protocol.read_window
        window.window, window.probe_every = 25, 1000
        assert c.write_many(["a" * 10, "b" * 10, "c" * 10, "d" * 10]) == 3  # 20 unread < 25: "c" goes
        assert not c.write_many(["d" * 10])
        assert c.frames() == ["a" * 10, "b" * 10, "c" * 10]
        window.release()
        assert c.write_many(["d" * 10]) == 1


async def test_many_frames_wait_like_one_for_the_transport_and_for_a_send_in_flight() -> None:
    async with connected() as c:
        c.protocol.pause_writing()
        assert c.write_many(["held", "too"]) == 0
        sending = c.send({"type": "websocket.send", "text": "first"})
        sending.send(None)  # waiting for the transport
        c.protocol.resume_writing()
        assert c.write_many(["second"]) == 0  # not ahead of "first"
        with pytest.raises(StopIteration):
            sending.send(None)
        assert c.write_many(["second", "third"]) == 2
        assert c.frames() == ["first", "second", "third"]


async def test_many_frames_are_followed_by_the_probe_their_size_calls_for() -> None:
    async with connected() as c:
        c.protocol.read_window.probe_every = 10
        assert c.write_many(["x" * 6, "y" * 6]) == 2
        c.client.receive_data(bytes(c.transport.written))
        events = c.client.events_received()
        kinds = [event.opcode for event in events if isinstance(event, Frame)]
        assert kinds == [Opcode.TEXT, Opcode.TEXT, Opcode.PING]


async def test_no_frames_are_written_once_the_connection_closes() -> None:
    async with connected() as c:
        await c.send({"type": "websocket.close", "code": 1000})
        assert c.write_many(["after the close"]) == 0
