"""uvicorn's WebSocket protocol, bounded and accounted for.

- The connection slot its HTTP upgrade request held is given back when it ends.
- uvicorn answers every ping frame (opcode 9) with a pong written straight to the socket, past the
  app's flow control: a client that sends pings in bulk without reading made the server's write
  buffer grow by ~100 bytes per ping, without bound, even before authenticating. Once more than
  MAX_UNREAD_BYTES wait unread, the connection is dropped (the app sees close code 1008).
- The moment uvicorn's shutdown begins is noted for the sessions that end because of it.
"""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from chatapp.entrypoints.server.limits import SLOTS
from chatapp.entrypoints.server.shutdown import SHUTDOWN

MAX_UNREAD_BYTES = 1024 * 1024  # the app's own frames wait at 64 KiB (uvicorn's write high-water mark)
POLICY_VIOLATION = 1008


class SlottedWebSocketProtocol(WebSocketsSansIOProtocol):
    def shutdown(self) -> None:
        SHUTDOWN.start()
        super().shutdown()

    def handle_ping(self) -> None:
        if self.transport.get_write_buffer_size() > MAX_UNREAD_BYTES:
            self._drop_unread_peer()
            return
        super().handle_ping()

    def _drop_unread_peer(self) -> None:
        """The peer reads nothing: no close frame would reach it, so the socket is aborted."""
        if self.close_sent:
            return
        self.close_sent = True
        self.queue.put_nowait({"type": "websocket.disconnect", "code": POLICY_VIOLATION})
        self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        SLOTS.release(self.transport)
        super().connection_lost(exc)
