"""Frames on their way to one peer, in order: a bounded queue drained by one writer."""

from __future__ import annotations

import asyncio
from collections import deque

from chatapp.entrypoints.ws.channel import Channel

DEFAULT_CAPACITY = 512  # frames; a peer this far behind is not reading (closed with 1013)


class Outbound:
    """The one path from the server to a peer.

    Answers to the peer's own frames (`reply`) are written at once when nothing is waiting, so the
    request/answer hot path costs no task switch; events from elsewhere (`push`, never blocking) and
    anything that finds the line busy queue behind, and one writer task drains them in order.
    A queue that reaches its capacity means the peer cannot keep up: the channel gives up on it
    (close 1013), and the sender of the event that overflowed is never kept waiting.
    """

    def __init__(self, channel: Channel, capacity: int = DEFAULT_CAPACITY) -> None:
        self._channel = channel
        self._capacity = capacity
        self._queue: deque[str] = deque()
        self._writing = False
        self._corked = False
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()

    def cork(self) -> None:
        """Hold everything pushed from now on until `uncork`: what must come first is not ready yet."""
        self._corked = True

    def uncork(self, first: str | None = None) -> None:
        """Send `first` (if any), then what was held."""
        self._corked = False
        if first is not None:
            self._queue.appendleft(first)
        self._wake.set()

    async def reply(self, text: str) -> None:
        if not self._writing and not self._queue and not self._corked:
            self._writing = True
            try:
                await self._channel.send_text(text)
            finally:
                self._writing = False
            if self._queue:
                self._wake.set()
            return
        self.push(text)

    def push(self, text: str) -> None:
        if len(self._queue) >= self._capacity:
            self._channel.give_up()
            return
        self._queue.append(text)
        if len(self._queue) >= self._capacity // 2:
            self._room.clear()
        if not self._writing and not self._corked:
            self._wake.set()

    async def room(self) -> None:
        """Wait until the queue is at most half full: for bulk senders (resume) that must not overflow it."""
        await self._room.wait()

    async def run(self) -> None:
        """The writer: forever, until cancelled with the connection."""
        queue, channel = self._queue, self._channel
        while True:
            await self._wake.wait()
            self._wake.clear()
            while queue and not self._writing and not self._corked:
                self._writing = True
                try:
                    await channel.send_text(queue.popleft())
                finally:
                    self._writing = False
                if len(queue) < self._capacity // 2:
                    self._room.set()
