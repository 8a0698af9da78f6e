"""uvicorn's WebSocket protocol, giving back the connection slot its HTTP upgrade request held."""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from chatapp.entrypoints.server.limits import SLOTS


class SlottedWebSocketProtocol(WebSocketsSansIOProtocol):
    def connection_lost(self, exc: Exception | None) -> None:
        SLOTS.release(self.transport)
        super().connection_lost(exc)
