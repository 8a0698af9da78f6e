"""A minimal asyncio WebSocket client, cheap enough per frame to load a server from one core.

RFC 6455 subset: unfragmented text frames, masked with a fresh random key, no extensions
(so no per-message deflate on either side), pings answered with pongs. Every received
text frame is stamped with `perf_counter_ns()` when its bytes arrive, so latency excludes
the time the frame then waits for its coroutine to be scheduled.
"""

from __future__ import annotations

import asyncio
import base64
import os
import random
import struct
from collections import deque
from collections.abc import Callable
from time import perf_counter_ns

try:
    from websockets.speedups import apply_mask
except ImportError:  # pure-Python fallback, fine for short frames

    def apply_mask(data: bytes, mask: bytes) -> bytes:
        size = len(data)
        key = (mask * (size // 4 + 1))[:size]
        return (int.from_bytes(data, "little") ^ int.from_bytes(key, "little")).to_bytes(size, "little")


OP_TEXT, OP_CLOSE, OP_PING, OP_PONG = 0x1, 0x8, 0x9, 0xA


class WebSocketClosed(ConnectionError):
    pass


class WsClient(asyncio.Protocol):
    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._handshake: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._upgraded = False
        self._frames: deque[tuple[int, bytes]] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._close_sent = False
        self.closed = False
        # When set, each text frame goes to on_text(arrival_ns, payload) at once instead of the
        # queue `recv` reads (no coroutine wake-up per frame), and on_close() runs once at the end.
        self.on_text: Callable[[int, bytes], None] | None = None
        self.on_close: Callable[[], None] | None = None

    @classmethod
    async def connect(cls, port: int, target: str, timeout: float = 10.0) -> WsClient:
        loop = asyncio.get_running_loop()
        _, client = await asyncio.wait_for(loop.create_connection(cls, "127.0.0.1", port), timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        client._transport.write(
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        await asyncio.wait_for(client._handshake, timeout)
        return client

    async def recv(self) -> tuple[int, bytes]:
        """The next text frame as (arrival perf_counter_ns, payload)."""
        while not self._frames:
            if self.closed:
                raise WebSocketClosed("connection closed")
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        return self._frames.popleft()

    def send_text(self, payload: bytes) -> None:
        if self.closed:
            raise WebSocketClosed("connection closed")
        self._write_frame(OP_TEXT, payload)

    async def close(self, timeout: float = 5.0) -> None:
        """Close handshake (code 1000), bounded by `timeout`, then drop the socket."""
        if not self.closed:
            self._send_close()
            try:
                while not self.closed:
                    await asyncio.wait_for(self.recv(), timeout)
            except (WebSocketClosed, TimeoutError):
                pass
        self._transport.close()

    def _send_close(self) -> None:
        if not self._close_sent:
            self._close_sent = True
            self._write_frame(OP_CLOSE, struct.pack("!H", 1000))

    def _write_frame(self, opcode: int, payload: bytes) -> None:
        size = len(payload)
        if size < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | size)
        elif size < 65536:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, size)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, size)
        mask = random.randbytes(4)  # unpredictable enough on loopback, and no syscall per frame
        self._transport.write(header + mask + apply_mask(payload, mask))

    # asyncio.Protocol callbacks

    def connection_made(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        arrived = perf_counter_ns()
        self._buffer += data
        if not self._upgraded and not self._read_handshake():
            return
        received = False
        while (frame := self._next_frame()) is not None:
            opcode, payload = frame
            if opcode == OP_TEXT:
                if self.on_text is not None:
                    self.on_text(arrived, payload)
                    continue
                self._frames.append((arrived, payload))
                received = True
            elif opcode == OP_PING:
                self._write_frame(OP_PONG, payload)
            elif opcode == OP_CLOSE:
                self._send_close()
                self._mark_closed()
                return
        if received:
            self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._handshake.done():
            self._handshake.set_exception(exc or WebSocketClosed("closed during the handshake"))
        self._mark_closed()

    def _read_handshake(self) -> bool:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return False
        status_line = bytes(self._buffer[: self._buffer.find(b"\r\n")])
        del self._buffer[: end + 4]
        if b" 101 " not in status_line:
            self._handshake.set_exception(WebSocketClosed(f"handshake refused: {status_line.decode()}"))
            self._transport.close()
            return False
        self._upgraded = True
        if not self._handshake.done():  # its opener may have timed out already
            self._handshake.set_result(None)
        return True

    def _next_frame(self) -> tuple[int, bytes] | None:
        buffer = self._buffer
        if len(buffer) < 2:
            return None
        first, second = buffer[0], buffer[1]
        if not first & 0x80:
            raise ValueError("fragmented frames are not supported by this client")
        size, offset = second & 0x7F, 2
        if size == 126:
            if len(buffer) < 4:
                return None
            size, offset = struct.unpack_from("!H", buffer, 2)[0], 4
        elif size == 127:
            if len(buffer) < 10:
                return None
            size, offset = struct.unpack_from("!Q", buffer, 2)[0], 10
        if len(buffer) < offset + size:
            return None
        payload = bytes(buffer[offset : offset + size])
        del buffer[: offset + size]
        return first & 0x0F, payload

    def _mark_closed(self) -> None:
        if not self.closed and self.on_close is not None:
            self.on_close()
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)
