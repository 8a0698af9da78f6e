"""A minimal keep-alive HTTP/1.1 client for load: one request in flight per connection.

Requests are pre-encoded bytes (see `encode_request`); responses must carry Content-Length
(Litestar's JSON responses do). Arrival is stamped with `perf_counter_ns()` in
`data_received`, like the WebSocket client.
"""

from __future__ import annotations

import asyncio
import json
from time import perf_counter_ns
from typing import Any


def encode_request(method: str, port: int, path: str, token: str | None = None, body: Any = None) -> bytes:
    headers = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Accept: application/json"]
    if token:
        headers.append(f"Authorization: Bearer {token}")
    payload = b""
    if body is not None:
        payload = json.dumps(body).encode()
        headers += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + payload


class HttpResponse:
    __slots__ = ("arrived_ns", "body", "status")

    def __init__(self, status: int, body: bytes, arrived_ns: int) -> None:
        self.status = status
        self.body = body
        self.arrived_ns = arrived_ns

    def json(self) -> Any:
        return json.loads(self.body)


class HttpClient(asyncio.Protocol):
    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._pending: asyncio.Future[HttpResponse] | None = None

    @classmethod
    async def connect(cls, port: int, timeout: float = 10.0) -> HttpClient:
        loop = asyncio.get_running_loop()
        _, client = await asyncio.wait_for(loop.create_connection(cls, "127.0.0.1", port), timeout)
        return client

    async def request(self, raw: bytes) -> HttpResponse:
        self._pending = asyncio.get_running_loop().create_future()
        self._transport.write(raw)
        return await self._pending

    def close(self) -> None:
        self._transport.close()

    # asyncio.Protocol callbacks

    def connection_made(self, transport: asyncio.Transport) -> None:
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        arrived = perf_counter_ns()
        self._buffer += data
        response = self._parse(arrived)
        if response is not None and self._pending is not None and not self._pending.done():
            self._pending.set_result(response)

    def connection_lost(self, exc: Exception | None) -> None:
        if self._pending is not None and not self._pending.done():
            self._pending.set_exception(exc or ConnectionError("server closed the connection"))

    def _parse(self, arrived_ns: int) -> HttpResponse | None:
        end = self._buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = bytes(self._buffer[:end]).decode("latin-1").split("\r\n")
        length = None
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if length is None:
            raise ValueError(f"response without Content-Length: {head[0]}")
        if len(self._buffer) < end + 4 + length:
            return None
        body = bytes(self._buffer[end + 4 : end + 4 + length])
        del self._buffer[: end + 4 + length]
        return HttpResponse(int(head[0].split(" ", 2)[1]), body, arrived_ns)
