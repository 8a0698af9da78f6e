"""Frames on their way to one peer, in order: written at once when they can be, else a bounded
queue drained by one writer."""

from __future__ import annotations

import asyncio
from collections import deque

from chatapp.entrypoints.ws.channel import Channel

DEFAULT_CAPACITY = 512  # frames; a peer this far behind is not reading (closed with 1013)


class Outbound:
    """The one path from the server to a peer.

    A frame with nothing ahead of it (no queue, no send under way, not corked) is written at once
    when the server allows it (`Channel.write_now`): a live message to a hundred members costs no
    task switch per member, and an answer to the peer's own frame (`reply`) no coroutine chain.
    Otherwise answers are sent by their caller when nothing is waiting, and events from elsewhere
    (`push`, never blocking) and anything that finds the line busy queue behind, drained in order
    by one writer task. A frame never overtakes one queued before it. A queue that reaches its
    capacity means the peer cannot keep up: the channel gives up on it (close 1013), and the
    sender of the event that overflowed is never kept waiting.
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
            if self._channel.write_now(text):
                return
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
        queue = self._queue
        if not queue and not self._writing and not self._corked and self._channel.write_now(text):
            return
        if len(queue) >= self._capacity:
            self._channel.give_up()
            return
        queue.append(text)
        if len(queue) >= self._capacity // 2:
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
                text = queue.popleft()
                if not channel.write_now(text):
                    self._writing = True
                    try:
                        await channel.send_text(text)
                    finally:
                        self._writing = False
                if len(queue) < self._capacity // 2:
                    self._room.set()
