"""uvicorn's WebSocket protocol, bounded and accounted for.

- The connection slot its HTTP upgrade request held is given back when it ends.
- uvicorn answers every ping frame (opcode 9) with a pong written straight to the socket, past the
  app's flow control: a client that sends pings in bulk without reading made the server's write
  buffer grow by ~100 bytes per ping, without bound, even before authenticating. Once more than
  MAX_UNREAD_BYTES wait unread, the connection is dropped (the app sees close code 1008).
- A peer that stops reading holds up the app's sends once it is UNREAD_WINDOW_CHARS behind (see
  read_window.py). uvicorn's own flow control only waits once the kernel's socket buffers are full:
  the send buffer grows to 4 MiB by itself, and permessage-deflate shrinks a repetitive chat frame
  thirtyfold, so ~100 MiB of frames could go out to a peer that reads nothing before a send waited.
- The moment uvicorn's shutdown begins is noted for the sessions that end because of it.
- The app may write text frames synchronously when nothing would make them wait (write_now.py).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from typing import Any

from uvicorn._types import ASGISendEvent
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.exceptions import InvalidState
from websockets.frames import Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State

from chatapp.entrypoints.server.limits import SLOTS
from chatapp.entrypoints.server.read_window import ReadWindow
from chatapp.entrypoints.server.shutdown import SHUTDOWN
from chatapp.entrypoints.server.write_now import WRITE_NOW

MAX_UNREAD_BYTES = 1024 * 1024  # the app's own frames wait at 64 KiB (uvicorn's write high-water mark)
POLICY_VIOLATION = 1008
MAX_FRAMES_READ_WHILE_WAITING = 32  # the peer's frames read ahead of the app while a send waits
# What `write_many` puts in one transport write before it looks at flow control again: uvicorn's
# write high-water mark, so a batch overshoots it no more than one frame of that size would.
WRITE_MANY_CHUNK_CHARS = 64 * 1024
_FIN_TEXT = 0x81  # the first byte of an unfragmented text frame (RFC 6455 5.2)
_LENGTH_16 = struct.Struct("!BBH")
_LENGTH_64 = struct.Struct("!BBQ")


_last_plain: tuple[str, bytes] = ("", b"")


def _plain_frame(text: str) -> bytes:
    """The wire bytes of an unfragmented, uncompressed server text frame (what `conn.send_text`
    writes without extensions): serialised once for all the members a live message goes to, who
    are handed the same string."""
    global _last_plain
    if _last_plain[0] is not text:
        _last_plain = (text, Frame(Opcode.TEXT, text.encode()).serialize(mask=False))
    return _last_plain[1]


def _plain_header(size: int) -> bytes:
    """The header of an unmasked, uncompressed text frame whose payload is `size` bytes."""
    if size < 126:
        return bytes((_FIN_TEXT, size))
    if size < 65536:
        return _LENGTH_16.pack(_FIN_TEXT, 126, size)
    return _LENGTH_64.pack(_FIN_TEXT, 127, size)


class SlottedWebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.read_window = ReadWindow()
        self._sends_in_flight = 0  # the app's sends under way, which a `write_now` must not overtake

    def shutdown(self) -> None:
        SHUTDOWN.start()
        self.read_window.release()
        super().shutdown()

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        if self.response.status_code == 101:  # the app's scope is made, its task not started yet
            self.scope["extensions"][WRITE_NOW] = {
                "write": self.write_now,
                "write_many": self.write_many,
            }

    async def send(self, message: ASGISendEvent) -> None:
        self._sends_in_flight += 1
        try:
            if message["type"] != "websocket.send":
                await super().send(message)
                return
            await self.read_window.wait_open(self._read_on)
            await super().send(message)
            text = message.get("text")
            self._wrote(len(text) if text is not None else len(message.get("bytes") or b""))
        finally:
            self._sends_in_flight -= 1

    def write_now(self, text: str) -> bool:
        """`send` of a text frame, if it can be done without waiting; else False, and nothing done.

        Never ahead of a frame `send` holds: a write waits behind any send in flight.
        """
        if not self._may_write_now():
            return False
        if self.conn.extensions:  # permessage-deflate: this connection's own compressor
            self.conn.send_text(text.encode())
            self.transport.write(b"".join(self.conn.data_to_send()))
        else:
            self.transport.write(_plain_frame(text))
        self._wrote(len(text))
        return True

    def write_many(self, texts: Sequence[str]) -> int:
        """`write_now` of each of `texts` in order, as few transport writes as flow control allows:
        returns how many went (the first ones; the rest, for `send`).

        The frames go in chunks of about WRITE_MANY_CHUNK_CHARS, each written only when
        `write_now` would write its first frame, and ending where the read window would hold the next.
        """
        count, done = len(texts), 0
        while done < count and self._may_write_now():
            budget = min(WRITE_MANY_CHUNK_CHARS, self.read_window.room)
            end, size = done, 0
            while end < count and (end == done or size < budget):
                size += len(texts[end])
                end += 1
            self.transport.write(self._frames(texts, done, end))
            self._wrote(size)
            done = end
        return done

    def _frames(self, texts: Sequence[str], start: int, end: int) -> bytes:
        """The wire bytes of texts[start:end] as text frames, as `conn.send_text` would write them."""
        if self.conn.extensions:  # permessage-deflate: this connection's own compressor, frame by frame
            for index in range(start, end):
                self.conn.send_text(texts[index].encode())
            return b"".join(self.conn.data_to_send())
        parts: list[bytes] = []
        for index in range(start, end):
            payload = texts[index].encode()
            parts.append(_plain_header(len(payload)))
            parts.append(payload)
        return b"".join(parts)

    def _may_write_now(self) -> bool:
        """A frame written now would not overtake a send, nor wait for the transport or the peer."""
        return not (
            self._sends_in_flight
            or not self.writable.is_set()
            or self.read_window.holds
            or self.close_sent
            or self.disconnected
            or not self.handshake_complete
            or self.initial_response is not None
            or self.conn.state is not State.OPEN
            or self.transport.is_closing()
        )

    def _wrote(self, size: int) -> None:
        """`size` characters of frames went out: the read window counts them, and pings the peer when
        a probe is due."""
        window = self.read_window
        probe = window.wrote(size)
        if probe is not None and not self.close_sent and not self.transport.is_closing():
            try:
                self.conn.send_ping(probe)
            except InvalidState:  # closing: nothing more will be read anyway
                window.release()
                return
            self.transport.write(b"".join(self.conn.data_to_send()))

    def _read_on(self) -> None:
        """The peer's pongs must be read for the window to open, also when they follow a frame of
        its that the app has not received yet (uvicorn stops reading after each frame until then)."""
        if self.read_paused and self.queue.qsize() <= MAX_FRAMES_READ_WHILE_WAITING:
            self.read_paused = False
            self.transport.resume_reading()

    def send_receive_event_to_app(self) -> None:
        super().send_receive_event_to_app()
        if self.read_window.waiting:
            self._read_on()

    def handle_pong(self, event: Frame) -> None:
        if not self.read_window.answered(bytes(event.data)):
            super().handle_pong(event)  # uvicorn's keepalive

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
        self.read_window.release()
        super().connection_lost(exc)
