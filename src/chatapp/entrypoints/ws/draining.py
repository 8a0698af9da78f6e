"""Shutdown waits for ending WebSocket connections, so their disconnect rows are stored before the
dishka container (database engine, message log) closes under them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import anyio
from litestar import Litestar
from prometheus_client import Gauge

# uvicorn cancels handlers after its graceful timeout (8 s from the CLI); this bounds what follows.
DRAIN_SECONDS = 1.5
_STATE_KEY = "ws_open_connections"
OPEN = Gauge("chatapp_websocket_connections", "WebSocket connections open in this process")


class OpenConnections:
    """How many connections of one app are still running (or still recording their disconnect)."""

    def __init__(self) -> None:
        self._count = 0
        self._idle: anyio.Event | None = None

    @contextmanager
    def track(self) -> Iterator[None]:
        self._count += 1
        OPEN.inc()
        try:
            yield
        finally:
            self._count -= 1
            OPEN.dec()
            if self._count == 0 and self._idle is not None:
                self._idle.set()

    async def drain(self, timeout: float) -> None:
        if self._count == 0:
            return
        self._idle = anyio.Event()
        with anyio.move_on_after(timeout):
            await self._idle.wait()


def open_connections(app: Litestar) -> OpenConnections:
    connections = app.state.get(_STATE_KEY)
    if connections is None:
        connections = app.state[_STATE_KEY] = OpenConnections()
    return connections


async def drain_websockets(app: Litestar) -> None:
    """An on_shutdown hook; it must run before the container closes."""
    await open_connections(app).drain(DRAIN_SECONDS)
