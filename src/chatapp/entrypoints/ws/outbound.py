"""Frames on their way to one peer, in order: written at once when they can be, else a bounded
queue drained by a writer task that runs only while something waits."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Sequence

from litestar.exceptions import WebSocketDisconnect
from litestar.status_codes import WS_1006_ABNORMAL_CLOSURE

from chatapp.entrypoints.ws.channel import Channel

DEFAULT_CAPACITY = 512  # frames; a peer this far behind is not reading (closed with 1013)
logger = logging.getLogger("chatapp.ws")


class Outbound:
    """The one path from the server to a peer.

    A frame with nothing ahead of it (no queue, no send under way, not corked) is written at once
    when the server allows it (`Channel.write_now`): a live message to a hundred members costs no
    task switch per member, and an answer to the peer's own frame (`reply`) no coroutine chain.
    Otherwise answers are sent by their caller when nothing is waiting, and events from elsewhere
    (`push`, never blocking) and anything that finds the line busy queue behind, drained in order
    by a writer task. A frame never overtakes one queued before it. A queue that reaches its
    capacity means the peer cannot keep up: the channel gives up on it (close 1013), and the
    sender of the event that overflowed is never kept waiting. A bulk sender (`push_all`, a
    resume's page) is the one that waits: for room in the queue, never overflowing it; its run of
    frames, and the writer's backlog, go in as few writes as the server allows (`write_many`).

    An idle connection holds no queue, no task and no event: the queue is made, and the writer
    started, by the first frame that has to wait.
    """

    def __init__(self, channel: Channel, capacity: int = DEFAULT_CAPACITY) -> None:
        self._channel = channel
        self._capacity = capacity
        self._queue: deque[str] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._writing = False  # a send is under way (the writer's, or a reply's)
        self._corked = False
        self._room: asyncio.Future[None] | None = None  # a bulk sender waiting for the queue to drain
        self._gone = False  # a send found the peer gone: nothing more can be written

    def cork(self) -> None:
        """Hold everything pushed from now on until `uncork`: what must come first is not ready yet."""
        self._corked = True

    def uncork(self, first: str | None = None) -> None:
        """Send `first` (if any), then what was held."""
        self._corked = False
        if first is not None and (self._writing or not self._channel.write_now(first)):
            self._queued().appendleft(first)  # ahead of what was held
        self._drain()

    async def reply(self, text: str) -> None:
        self._raise_if_gone()
        if self._writing or self._queue or self._corked:
            self.push(text)
            return
        if self._channel.write_now(text):
            return
        self._writing = True
        try:
            await self._channel.send_text(text)
        finally:
            self._writing = False
        self._drain()  # what was pushed while this waited

    def push(self, text: str) -> None:
        queue = self._queue
        if not queue and not self._writing and not self._corked and self._channel.write_now(text):
            return
        if self._gone:
            return
        if queue is None:
            queue = self._queued()
        if len(queue) >= self._capacity:
            self._channel.give_up()
            return
        queue.append(text)
        self._drain()

    async def push_all(self, texts: Sequence[str]) -> None:
        """Push `texts` in order, for bulk senders (resume): written at once, as many as the server
        allows in one go; the rest queued, half a queue at a time, as the writer makes room."""
        half = max(1, self._capacity // 2)
        start, count = 0, len(texts)
        while start < count:
            await self.room()
            if not self._queue and not self._writing and not self._corked:
                start += self._channel.write_many(texts[start:] if start else texts)
            if start < count:  # room() left the queue below half full: half more cannot overflow it
                batch = texts[start : start + half]
                self._queued().extend(batch)
                start += len(batch)
                self._drain()

    async def room(self) -> None:
        """Wait until the queue is less than half full: for bulk senders (resume) that must not overflow it."""
        self._raise_if_gone()
        queue = self._queue
        if queue is not None and len(queue) >= self._capacity // 2:
            self._room = asyncio.get_running_loop().create_future()
            await self._room
            self._raise_if_gone()

    async def aclose(self) -> None:
        """The connection is over: stop writing (what is still queued is dropped)."""
        writer = self._writer
        if writer is not None:
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)

    def _raise_if_gone(self) -> None:
        if self._gone:
            raise WebSocketDisconnect(detail="client gone", code=WS_1006_ABNORMAL_CLOSURE)

    def _queued(self) -> deque[str]:
        if self._queue is None:
            self._queue = deque()
        return self._queue

    def _drain(self) -> None:
        """Start the writer, unless it runs already or has nothing it may send."""
        if self._writer is None and self._queue and not self._writing and not self._corked:
            self._writer = asyncio.get_running_loop().create_task(self._write_queued())
            self._writer.add_done_callback(self._writer_done)

    async def _write_queued(self) -> None:
        queue, channel, half = self._queued(), self._channel, self._capacity // 2
        while queue and not self._corked and not self._writing:
            written = channel.write_many(queue)
            for _ in range(written):
                queue.popleft()
            if not written:
                text = queue.popleft()
                self._writing = True
                try:
                    await channel.send_text(text)
                finally:
                    self._writing = False
            if self._room is not None and len(queue) < half:
                self._make_room()

    def _writer_done(self, writer: asyncio.Task[None]) -> None:
        self._writer = None
        if writer.cancelled():
            return
        error = writer.exception()
        if error is None:
            self._drain()  # a reply's send ended while the writer stopped: the rest is the writer's again
            return
        if not isinstance(error, WebSocketDisconnect):
            logger.error("writing to a websocket failed", exc_info=error)
        self._gone = True
        self._make_room()  # a bulk sender learns of it instead of waiting forever

    def _make_room(self) -> None:
        room, self._room = self._room, None
        if room is not None and not room.done():
            room.set_result(None)
