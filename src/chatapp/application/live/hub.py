from __future__ import annotations

import asyncio
import logging

from chatapp.application.live.conversation_stream import ConversationStream
from chatapp.application.live.presence import PresenceBook
from chatapp.application.live.relay import LocalOnly, Relay
from chatapp.application.live.subscriber import FrameEncoder, Subscriber
from chatapp.application.ports.conversations import ConversationDirectory, MessageHistory
from chatapp.application.ports.events import EventPublisher
from chatapp.application.ports.user_directory import UserDirectory
from chatapp.domain.errors import StorageUnavailable
from chatapp.domain.events import (
    ChatEvent,
    ConversationChanged,
    MessagePosted,
    PresenceChanged,
    TokensRevoked,
    UserRef,
)

logger = logging.getLogger(__name__)
CATCH_UP_BATCH = 500
EVERYTHING = 2**63 - 1  # a read-back target meaning "whatever is stored"
READ_BACK_RETRY_SECONDS = (0.05, 2.0)  # first and longest wait before reading back again


class LiveHub(EventPublisher):
    """This process's live delivery: who is connected, and each event to its recipients' connections.

    A conversation's messages reach every connection in seq order with no gap: a message that
    arrives ahead of its predecessor waits while the missing ones are read back from history, and
    a conversation another process advanced (`advance`: a notice too big to carry the messages) is
    read back the same way. Each event is encoded once, whatever the number of recipients. A
    conversation message goes to every member connection, its sender's included (that frame is the
    sender's ack, so it too comes in order); anything else skips the connection whose own frame caused it.

    With other processes on the same database, `relay` carries this process's events to them,
    and they come back in through `receive`, `advance` and the presence methods. Directories that
    remember (`directory`, `users`) hear from the hub of every change, this process's and relayed.
    """

    def __init__(
        self,
        history: MessageHistory,
        directory: ConversationDirectory,
        encode: FrameEncoder,
        relay: Relay | None = None,
        users: UserDirectory | None = None,
    ) -> None:
        self._history = history
        self._directory = directory
        self._users = users
        self._encode = encode
        self._relay = relay or LocalOnly()
        self._connections: dict[int, set[Subscriber]] = {}  # user id -> their open connections here
        self._streams: dict[int, ConversationStream] = {}  # conversation id -> delivery so far
        self._presence = PresenceBook()
        self._tasks: set[asyncio.Task[None]] = set()

    # --- who is connected ---------------------------------------------------------------------

    async def subscribe(self, user: UserRef, subscriber: Subscriber) -> None:
        """Everything it reads is read before anything changes: a database that fails here leaves
        no half-subscribed connection behind (one that would get frames, and never be unsubscribed)."""
        first_here = not self._connections.get(user.id)
        last_seqs = await self._directory.last_seqs(user.id) if first_here else {}
        peers = await self._directory.peers(user.id)  # for presence, should this make them online
        for conversation_id, last_seq in last_seqs.items():
            # Follow the user's conversations from where they stand: anything older is history (resume).
            if conversation_id not in self._streams:
                self._streams[conversation_id] = ConversationStream(delivered=last_seq, target=last_seq)
        self._connections.setdefault(user.id, set()).add(subscriber)
        became_online = self._presence.opened(user)
        if self._presence.first_here(user.id):
            self._relay.presence(user, True)
        if became_online and peers:
            self._fan_out(PresenceChanged(user=user, online=True, recipients=peers))
        # Presence frames tell of changes: this connection hears now of those already online.
        for peer in self._presence.online_among(peers):
            seen = PresenceChanged(user=peer, online=True, recipients=frozenset((user.id,)))
            subscriber.deliver(self._encode(seen), None, None)

    async def unsubscribe(self, user: UserRef, subscriber: Subscriber) -> None:
        connections = self._connections.get(user.id)
        if connections is None or subscriber not in connections:
            return
        connections.discard(subscriber)
        if not connections:
            del self._connections[user.id]
        if self._presence.closed(user):
            await self._announce(user, online=False)
        if not connections:
            self._relay.presence(user, False)

    def is_online(self, user_id: int) -> bool:
        return self._presence.online(user_id)

    def local_users(self) -> list[int]:
        return self._presence.local_users()

    async def _announce(self, user: UserRef, *, online: bool) -> None:
        """Tell this process's connections of who shares a conversation with `user` (each process
        tells its own, when the user's state changes as it sees it)."""
        peers = await self._directory.peers(user.id)
        if peers:
            self._fan_out(PresenceChanged(user=user, online=online, recipients=peers))

    # --- what other processes say ---------------------------------------------------------------

    def receive(self, event: ChatEvent) -> None:
        """An event another process published: for this process's connections only. A conversation
        message (carried by the notice of the transaction that stored it) takes its place in seq
        order as a local one does: delivered at once if it is the next, else after the gap is read back."""
        if isinstance(event, MessagePosted) and event.message.seq is not None:
            self._sequence(event)
            return
        self._forget_what_changed(event)
        self._fan_out(event)

    async def remote_presence(self, process: str, user: UserRef, online: bool, now: float) -> None:
        if self._presence.remote(process, user, online, now):
            await self._announce(user, online=online)

    def remote_alive(self, process: str, now: float) -> bool:
        """True if `process` had been given up on for its silence: its users must be asked for again."""
        return self._presence.alive(process, now)

    async def expire_processes(self, older_than: float) -> None:
        """Processes silent since `older_than` are gone (killed): their users are offline."""
        for user in self._presence.expire(older_than):
            await self._announce(user, online=False)

    # --- events -------------------------------------------------------------------------------

    def listens(self, user_id: int, besides: object | None = None) -> bool:
        connections = self._connections.get(user_id)
        if not connections:
            return False
        return besides is None or len(connections) > 1 or next(iter(connections)).connection_id != besides

    def publish(self, event: ChatEvent) -> None:
        if isinstance(event, MessagePosted):
            if event.message.seq is not None:
                self._sequence(event)  # other processes hear of it from the storing transaction
            else:
                self._fan_out(event)  # a personal message: to its author's (other) connections here
            return
        self._forget_what_changed(event)
        self._fan_out(event)
        self._relay.publish(event)

    def _forget_what_changed(self, event: ChatEvent) -> None:
        """Directories that remember (RecentMemberships, RecentUsers) hear of each change here."""
        if isinstance(event, ConversationChanged):
            self._directory.changed(event.conversation.id)
        elif isinstance(event, TokensRevoked) and self._users is not None:
            self._users.changed(event.user_id)

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

    def _sequence(self, event: MessagePosted) -> None:
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
            self._fan_out(event)
            return
        stream.ahead[seq] = event
        self._catch_up(conversation_id, stream)

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
            logger.warning("conversation %d: could not read missed messages back", conversation_id, exc_info=True)
        finally:
            for seq in sorted(stream.ahead):
                if seq > stream.delivered:
                    stream.delivered = seq
                    self._fan_out(stream.ahead[seq])
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
                    logger.warning("conversation %d: the database is unavailable; reading missed "
                                   "messages back again until it answers", conversation_id)
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
                self._fan_out(event)

    def _fan_out(self, event: ChatEvent) -> None:
        if isinstance(event, TokensRevoked):
            for connection in list(self._connections.get(event.user_id, ())):
                connection.revoke(event.token_version)
            return
        conversation_id: int | None = None
        seq: int | None = None
        skip = getattr(event, "origin", None)
        if isinstance(event, MessagePosted) and event.message.seq is not None:
            conversation_id, seq, skip = event.message.conversation_id, event.message.seq, None
        frame: str | None = None
        connections = self._connections
        for user_id in event.recipients:
            for connection in connections.get(user_id, ()):
                if connection.connection_id == skip:
                    continue
                if frame is None:  # encoded once, and only if someone is there to get it
                    frame = self._encode(event)
                connection.deliver(frame, conversation_id, seq)

    async def settled(self) -> None:
        """Wait until every read-back started so far has delivered what it found."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
