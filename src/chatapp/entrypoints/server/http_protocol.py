"""uvicorn's httptools protocol with the bounds it lacks.

- A request head (request line and headers) over MAX_HEAD_BYTES gets 431 and the connection closes,
  counted as the bytes arrive: httptools would otherwise keep concatenating one huge header value,
  stalling the event loop for minutes.
- A head must arrive within the request timeout of the connection opening (or of its first byte
  after a keep-alive pause), and its body within the timeout again: silent sockets and slowloris
  clients get 408 and are closed.
- Pipelined requests are read only while none waits for its turn, and more than
  MAX_PIPELINED_REQUESTS queued in one read end the connection (429): a client that sends requests
  without reading the answers no longer makes uvicorn queue them by the hundred thousand.
- A connection beyond the global or per-address cap is answered 503 at once and closed.
- Malformed requests (an unknown method, say) get 400 in the error envelope instead of text.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httptools
from uvicorn._types import ASGI3Application
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol, RequestResponseCycle

from chatapp.entrypoints.server.limits import MAX_HEAD_BYTES, MAX_PIPELINED_REQUESTS, SLOTS, server_limits
from chatapp.entrypoints.server.refusal import (
    BAD_REQUEST,
    HEAD_TOO_LARGE,
    TIMED_OUT,
    TOO_MANY_PIPELINED,
    no_slot,
)
from chatapp.entrypoints.server.shutdown import SHUTDOWN


class _Refused(Exception):
    """Raised from a parser callback to stop parsing; the refusal to send is on the protocol."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:  # uvicorn's own signature
        super().__init__(*args, **kwargs)
        self._limits = server_limits()
        self._refusal: bytes | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._answering: RequestResponseCycle | None = None  # the cycle the app is running (not the queued ones)
        self._reads = 0  # data_received calls so far
        self._head_began_in_read = -1  # -1: no head being read
        self._head_fields = 0  # bytes of the current head's fields seen so far (URL, headers)
        self._head_reads = 0  # bytes of the reads that fell wholly inside the current head

    # --- connection ---------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        address = self.client[0] if self.client else "unknown"
        reason = SLOTS.take(transport, address, self._limits)
        if reason is not None:
            self._refuse(no_slot(reason))
            return
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        SLOTS.release(self.transport)
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refusal is not None:
            return
        self._reads += 1
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        except httptools.HttpParserError:
            self._refuse(self._refusal or BAD_REQUEST)
            return
        # A field httptools is still piecing together is not seen by the callbacks: count the read.
        if 0 <= self._head_began_in_read < self._reads:
            self._head_reads += len(data)
            if self._head_reads > MAX_HEAD_BYTES:
                self._refuse(HEAD_TOO_LARGE)

    def shutdown(self) -> None:
        SHUTDOWN.start()
        super().shutdown()

    def handle_websocket_upgrade(self) -> None:
        self._disarm()  # the WebSocket protocol has its own keepalive
        super().handle_websocket_upgrade()

    def send_400_response(self, msg: str) -> None:
        self._refuse(BAD_REQUEST)

    # --- parser callbacks ---------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_began_in_read, self._head_fields, self._head_reads = self._reads, 0, 0
        if self._deadline is None:
            self._arm()

    def on_url(self, url: bytes) -> None:
        if self._grow_head(len(url)):
            self._stop(HEAD_TOO_LARGE)
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        if self._grow_head(len(name) + len(value)):
            self._stop(HEAD_TOO_LARGE)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_began_in_read = -1
        in_flight = self.cycle is not None and not self.cycle.response_complete
        if in_flight and len(self.pipeline) >= MAX_PIPELINED_REQUESTS:
            self._stop(TOO_MANY_PIPELINED)
        self._arm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.pipeline:  # still queued: read no further until they are answered
            self.flow.pause_reading()

    def _start_asgi_task(self, cycle: RequestResponseCycle, app: ASGI3Application) -> None:
        self._answering = cycle
        super()._start_asgi_task(cycle, app)

    # --- limits -------------------------------------------------------------------------------

    def _grow_head(self, size: int) -> bool:
        """Count `size` more bytes of the current head's fields; True once it is too large."""
        self._head_fields += size
        return self._head_fields > MAX_HEAD_BYTES

    def _stop(self, refusal: bytes) -> None:
        """From a parser callback: stop parsing; data_received then sends `refusal`."""
        self._refusal = refusal
        raise _Refused

    def _arm(self) -> None:
        """(Re)start the request timeout: for a head to arrive, or for the body after it."""
        self._disarm()
        self._deadline = self.loop.call_later(self._limits.request_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self) -> None:
        self._deadline = None
        self._refuse(TIMED_OUT)

    def _refuse(self, response: bytes) -> None:
        """Answer `response` (unless a response is already under way) and close the connection."""
        self._refusal = response
        self._disarm()
        self.pipeline.clear()
        cycle, mid_response = self._answering, False
        if cycle is not None and not cycle.response_complete:
            mid_response = cycle.response_started
            cycle.disconnected = True  # the app's receive() sees a disconnect, its sends are dropped
            cycle.message_event.set()
        if not self.transport.is_closing():
            if not mid_response:
                self.transport.write(response)
            self.transport.close()
