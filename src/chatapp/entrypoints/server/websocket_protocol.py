"""uvicorn's WebSocket protocol, giving back the connection slot its HTTP upgrade request held,
and noting when the server's shutdown began."""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from chatapp.entrypoints.server.limits import SLOTS
from chatapp.entrypoints.server.shutdown import SHUTDOWN


class SlottedWebSocketProtocol(WebSocketsSansIOProtocol):
    def shutdown(self) -> None:
        SHUTDOWN.start()
        super().shutdown()

    def connection_lost(self, exc: Exception | None) -> None:
        SLOTS.release(self.transport)
        super().connection_lost(exc)
