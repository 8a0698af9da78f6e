"""A WebSocket's frames, whatever the protocol: Origin, size limit, deadlines, peers that stop reading."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Sequence
from time import monotonic
from typing import Any, cast

import anyio
from litestar import WebSocket
from litestar.exceptions import WebSocketDisconnect
from litestar.status_codes import WS_1005_NO_STATUS_RECEIVED, WS_1006_ABNORMAL_CLOSURE

from chatapp.entrypoints.server.write_now import WRITE_NOW
from chatapp.entrypoints.settings import Settings
from chatapp.entrypoints.ws import errors

DEFAULT_PING_INTERVAL_SECONDS = 20.0  # for the send timeout when keepalive pings are off
CLOSE_WAIT_SEND_TIMEOUTS = 4  # how long a close may wait for a stalled peer to read again
GONE = (WebSocketDisconnect, OSError, RuntimeError)  # what sending to a closed connection raises
MAX_CLOSE_REASON_BYTES = 123  # RFC 6455: a close frame's payload is at most 125 bytes


class Channel:
    def __init__(self, socket: WebSocket[Any, Any, Any], settings: Settings) -> None:
        self.socket = socket
        self._allowed_origins = [o.rstrip("/").lower() for o in Settings.split(settings.ws_allowed_origins)]
        self._max_bytes = settings.ws_max_frame_bytes
        # A frame that waits half a ping interval is not being read. This usually fires before the
        # server's keepalive drops the peer (a ping interval, then as long again for the pong), so the
        # peer may still read our close code if it ever reads again.
        self._send_timeout = (settings.ws_ping_interval or DEFAULT_PING_INTERVAL_SECONDS) / 2
        self._sending_since: float | None = None
        self._stalled = anyio.CancelScope()
        self._watchdog: asyncio.TimerHandle | None = None
        extension = (socket.scope.get("extensions") or {}).get(WRITE_NOW)
        self._write_now = cast("Callable[[str], bool]", extension["write"]) if extension else None
        self._write_many = (
            cast("Callable[[Sequence[str]], int]", extension["write_many"]) if extension else None
        )

    async def accept(self) -> None:
        # Refusing before accept would reach the client as a bare HTTP 403: accept, then explain and close.
        await self.socket.accept()
        allowed = self._allowed_origins
        origin = self.socket.headers.get("origin")
        # Browsers always send Origin; a client without one is not a browser that could be hijacked.
        if allowed and "*" not in allowed and origin and origin.rstrip("/").lower() not in allowed:
            raise errors.origin_not_allowed()

    async def receive(self, deadline: float | None = None) -> str | bytes:
        """The next frame's text (bytes for a binary frame); WebSocketDisconnect when the peer is gone."""
        event: Any = None
        if deadline is None:
            event = await self.socket.receive()
        else:
            with anyio.move_on_after(deadline - monotonic()):
                event = await self.socket.receive()
            if event is None:
                raise errors.auth_timeout()
        if event["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(
                detail="client closed", code=event.get("code", WS_1005_NO_STATUS_RECEIVED)
            )
        # The ASGI server may enforce the size limit itself (uvicorn's ws_max_size); not every server does.
        text: str | None = event.get("text")
        if text is not None:
            size = len(text)
            if size * 4 > self._max_bytes and (
                size > self._max_bytes or len(text.encode()) > self._max_bytes
            ):
                raise errors.frame_too_large()
            return text
        data: bytes = event.get("bytes") or b""
        if len(data) > self._max_bytes:
            raise errors.frame_too_large()
        return data

    def write_now(self, text: str) -> bool:
        """Write a frame at once if the server can without waiting (server/write_now.py); False when
        it cannot, or offers no such thing: then `send_text`, which waits, or raises for a peer gone.

        What this skips of `send_text` does nothing for a frame that goes at once: Litestar's
        wrappers of a WebSocket's send (its disconnect check, kept here; the exception and CORS
        middlewares', which look at HTTP responses only) and the watch for stalled sends. No
        middleware of ours wraps a WebSocket's send.
        """
        write = self._write_now
        return write is not None and self.socket.connection_state != "disconnect" and write(text)

    def write_many(self, texts: Sequence[str]) -> int:
        """`write_now` of a run of frames, in as few writes as the server allows: how many of them,
        from the first, went (0 when the server offers no such thing)."""
        write = self._write_many
        if write is None or self.socket.connection_state == "disconnect":
            return 0
        return write(texts)

    async def send_text(self, text: str) -> None:
        self._sending_since = monotonic()
        try:
            # The ASGI event itself: socket.send_text would only wrap it in two more coroutines per frame.
            await self.socket.send({"type": "websocket.send", "bytes": None, "text": text})
        except (OSError, RuntimeError) as error:
            # uvicorn: ClientDisconnected (an OSError) once the peer is gone, RuntimeError once it has
            # closed the connection itself (keepalive timeout). Either way no frame can be sent.
            raise WebSocketDisconnect(detail="client gone", code=WS_1006_ABNORMAL_CLOSURE) from error
        finally:
            self._sending_since = None

    @contextlib.contextmanager
    def watching_sends(self) -> Iterator[anyio.CancelScope]:
        """Run the block in a scope that is cancelled once a send has waited the send timeout."""
        self._watchdog = asyncio.get_running_loop().call_later(self._send_timeout / 2, self._check_sends)
        try:
            with self._stalled:
                yield self._stalled
        finally:
            self._watchdog.cancel()

    def give_up(self) -> None:
        """The peer cannot keep up (frames for it pile up): end the connection as stalled."""
        self._stalled.cancel()

    def _check_sends(self) -> None:
        # A send waits only while the peer is not reading: the server's write buffer is full, or the peer
        # is a read window behind (server/websocket_protocol.py). A timer
        # reading a timestamp keeps the per-frame cost to two attribute writes (no timeout scope per send).
        since = self._sending_since
        if since is not None and monotonic() - since >= self._send_timeout:
            self._stalled.cancel()
            return
        self._watchdog = asyncio.get_running_loop().call_later(self._send_timeout / 2, self._check_sends)

    async def close(self, code: int, reason: str, last_frame: str | None = None) -> None:
        """Best effort, bounded: a close waits behind a full write buffer like any other frame."""
        with anyio.move_on_after(CLOSE_WAIT_SEND_TIMEOUTS * self._send_timeout), contextlib.suppress(*GONE):
            if last_frame is not None:
                await self.socket.send_text(last_frame)
            await self.socket.close(code, reason.encode()[:MAX_CLOSE_REASON_BYTES].decode(errors="ignore"))
