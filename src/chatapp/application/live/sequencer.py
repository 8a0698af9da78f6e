from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from chatapp.application.live.conversation_stream import ConversationStream
from chatapp.application.ports.conversations import ConversationDirectory, MessageHistory
from chatapp.domain.errors import StorageUnavailable
from chatapp.domain.events import MessagePosted

logger = logging.getLogger(__name__)
CATCH_UP_BATCH = 500
EVERYTHING = 2**63 - 1  # a read-back target meaning "whatever is stored"
READ_BACK_RETRY_SECONDS = (0.05, 2.0)  # first and longest wait before reading back again


class Sequencer:
    """Hands each conversation's messages to `deliver` in seq order, with no gap.

    A message that arrives ahead of its predecessor waits while the missing ones are read back from
    history; so do the seqs another process committed (`advance`: a notice too big to carry the
    messages), and, after a lost connection to the other processes (`repair`), whatever is stored
    past what was delivered. One read-back per conversation runs at a time.
    """

    def __init__(
        self,
        history: MessageHistory,
        directory: ConversationDirectory,
        deliver: Callable[[MessagePosted], None],
    ) -> None:
        self._history = history
        self._directory = directory
        self._deliver = deliver
        self._streams: dict[int, ConversationStream] = {}  # conversation id -> delivery so far
        self._tasks: set[asyncio.Task[None]] = set()

    def follow(self, conversation_id: int, last_seq: int) -> None:
        """Deliver a conversation not followed yet from after `last_seq`: anything older is history."""
        if conversation_id not in self._streams:
            self._streams[conversation_id] = ConversationStream(delivered=last_seq, target=last_seq)

    def posted(self, event: MessagePosted) -> None:
        """A conversation message was stored (here, or by another process)."""
        message = event.message
        conversation_id, seq = message.conversation_id, message.seq
        assert conversation_id is not None and seq is not None
        stream = self._streams.get(conversation_id)
        if stream is None:
            stream = self._streams[conversation_id] = ConversationStream(delivered=seq - 1)
        if seq <= stream.delivered:
            return
        stream.target = max(stream.target, seq)
        if stream.is_next(seq):
            stream.delivered = seq
            self._deliver(event)
            return
        stream.ahead[seq] = event
        self._catch_up(conversation_id, stream)

    def advance(self, conversation_id: int, first_seq: int, last_seq: int) -> None:
        """Another process committed seqs first_seq..last_seq of a conversation: deliver them here too."""
        stream = self._streams.get(conversation_id)
        if stream is None:
            stream = self._streams[conversation_id] = ConversationStream(delivered=first_seq - 1)
        if last_seq > stream.delivered:
            stream.target = max(stream.target, last_seq)
            self._catch_up(conversation_id, stream)

    def repair(self) -> None:
        """Events from other processes may have been missed: read every followed conversation back."""
        for conversation_id, stream in self._streams.items():
            stream.probing = True
            stream.target = EVERYTHING
            self._catch_up(conversation_id, stream)

    async def settled(self) -> None:
        """Wait until every read-back started so far has delivered what it found."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _catch_up(self, conversation_id: int, stream: ConversationStream) -> None:
        if stream.repairing:
            return  # the running catch-up reads up to the new target too
        stream.repairing = True
        task = asyncio.get_running_loop().create_task(self._read_back(conversation_id, stream))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _read_back(self, conversation_id: int, stream: ConversationStream) -> None:
        try:
            await self._read_missed(conversation_id, stream)
        except Exception:  # a bug: live delivery steps over the gap; history (resume) has it all
            logger.warning(
                "conversation %d: could not read missed messages back", conversation_id, exc_info=True
            )
        finally:
            for seq in sorted(stream.ahead):
                if seq > stream.delivered:
                    stream.delivered = seq
                    self._deliver(stream.ahead[seq])
            stream.ahead.clear()
            if stream.probing:  # the target was "whatever is stored": what was read is all there is
                stream.target, stream.probing = stream.delivered, False
            stream.delivered = max(stream.delivered, stream.target)  # the rest was deleted
            stream.repairing = False

    async def _read_missed(self, conversation_id: int, stream: ConversationStream) -> None:
        """Deliver what is stored up to the target. While the database is unavailable (an outage, a
        pooled connection it dropped) the read is tried again and what came after the gap waits:
        giving up would show live members a gap that only a reconnect would fill."""
        wait = READ_BACK_RETRY_SECONDS[0]
        while True:
            try:
                await self._deliver_stored(conversation_id, stream)
                return
            except StorageUnavailable:
                if wait == READ_BACK_RETRY_SECONDS[0]:  # once per outage, not once per try
                    logger.warning(
                        "conversation %d: the database is unavailable; reading missed messages back"
                        " again until it answers",
                        conversation_id,
                    )
            await asyncio.sleep(wait)
            wait = min(wait * 2, READ_BACK_RETRY_SECONDS[1])

    async def _deliver_stored(self, conversation_id: int, stream: ConversationStream) -> None:
        """One try: what it delivered before failing stays delivered, and the next try goes on from there."""
        membership = await self._directory.by_id(conversation_id)
        members = membership.member_ids if membership else frozenset()
        while stream.delivered < stream.target:
            rows = await self._history.after(conversation_id, stream.delivered, CATCH_UP_BATCH)
            rows = [row for row in rows if row.seq is not None and row.seq <= stream.target]
            if not rows:
                return  # what is left was deleted, or waits in `ahead`
            for row in rows:
                assert row.seq is not None
                event = stream.ahead.pop(row.seq, None) or MessagePosted(message=row, recipients=members)
                stream.delivered = row.seq
                self._deliver(event)
