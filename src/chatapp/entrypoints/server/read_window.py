"""How far a WebSocket peer has read what was written to it: the bound on frames it has not read."""

from __future__ import annotations

import asyncio
import struct
import sys
from collections import deque
from collections.abc import Callable

UNREAD_WINDOW_CHARS = 1024 * 1024  # frames written that the peer has not read, before sends wait
PROBE_EVERY_CHARS = 64 * 1024  # a ping after this much written: its pong says the peer read that far
_PROBE = struct.Struct("!Q")  # 8 bytes: uvicorn's keepalive pings carry 4


class ReadWindow:
    """How far the peer has read what was written to it, learnt from pings (TCP delivers in order,
    so a pong means every frame before its ping was read): sends wait while the peer is more than
    `window` characters behind. A peer that stops reading then holds up the app's writer, whose
    own bounds (a queue of frames, a deadline per send) give up on it with 1013.
    """

    def __init__(self, window: int = UNREAD_WINDOW_CHARS, probe_every: int = PROBE_EVERY_CHARS) -> None:
        self.window = window
        self.probe_every = probe_every
        self.written = 0  # characters of frames written so far (bytes, for binary frames)
        self.read = 0  # of those, how many the peer is known to have read
        self._probed = 0  # where the last probe was sent
        self._probes: deque[tuple[bytes, int]] = deque()  # payload, position: unanswered, oldest first
        self._open = asyncio.Event()
        self._open.set()
        self._released = False

    @property
    def unread(self) -> int:
        return self.written - self.read

    @property
    def waiting(self) -> bool:
        """A send waits for the peer to read."""
        return not self._open.is_set()

    @property
    def room(self) -> int:
        """Characters that may be written before the next send must wait (no limit once released)."""
        return sys.maxsize if self._released else self.window - self.unread

    @property
    def holds(self) -> bool:
        """The next send must wait for the peer to read."""
        return self.unread >= self.window and not self._released

    async def wait_open(self, on_wait: Callable[[], None]) -> None:
        if self.holds:
            self._open.clear()
            on_wait()
            await self._open.wait()

    def wrote(self, size: int) -> bytes | None:
        """`size` more written; the payload of a probe to ping the peer with now, if one is due."""
        self.written += size
        if self.written - self._probed < self.probe_every:
            return None
        self._probed = self.written
        payload = _PROBE.pack(self.written)
        self._probes.append((payload, self.written))
        return payload

    def answered(self, payload: bytes) -> bool:
        """A pong arrived; False if it answers none of our probes."""
        if not any(sent == payload for sent, _ in self._probes):
            return False
        while self._probes:  # a peer may answer only the latest of several pings (RFC 6455 5.5.3)
            sent, position = self._probes.popleft()
            if sent == payload:
                self.read = position
                break
        if self.unread < self.window:
            self._open.set()
        return True

    def release(self) -> None:
        """The connection is ending: no send may wait for the peer any longer."""
        self._released = True
        self._open.set()
