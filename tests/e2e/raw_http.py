"""Raw TCP clients for attacks no well-behaved HTTP library can make: huge heads, slow heads, pipelines."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.e2e.clients import FRAME_TIMEOUT


async def open_raw(port: int, source: str = "127.0.0.1") -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A TCP connection to the server on 127.0.0.1 from the loopback address `source` (127.0.0.x)."""
    return await asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0))


async def read_until_closed(reader: asyncio.StreamReader, timeout: float = FRAME_TIMEOUT) -> bytes:
    """Everything the server sends until it closes the connection (a reset ends it too)."""
    received = bytearray()
    async with asyncio.timeout(timeout):
        while True:
            try:
                chunk = await reader.read(65536)
            except ConnectionResetError:
                return bytes(received)
            if not chunk:
                return bytes(received)
            received += chunk


def parse_response(raw: bytes) -> tuple[int, dict[str, Any]]:
    """(status, JSON body) of one HTTP/1.1 response with a Content-Length."""
    head, _, rest = raw.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    return status, json.loads(rest[:length])


def assert_refusal(raw: bytes, status: int, name: str) -> dict[str, Any]:
    """The server answered `status` in the Strapi error envelope; returns its `error` object."""
    assert raw, "the server closed the connection without an answer"
    got, body = parse_response(raw)
    assert got == status, raw[:300]
    assert body["data"] is None and body["error"]["status"] == status and body["error"]["name"] == name, body
    return dict(body["error"])


async def open_raw_websocket(port: int, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A WebSocket handshake by hand, so that the client can then send frames and never read."""
    reader, writer = await open_raw(port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: chatapp\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), FRAME_TIMEOUT)
    assert head.startswith(b"HTTP/1.1 101"), head
    return reader, writer


def masked_frame(opcode: int, payload: bytes) -> bytes:
    """One client frame (clients must mask), payload under 126 bytes."""
    mask = b"\x01\x02\x03\x04"
    assert len(payload) < 126
    return bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
