from __future__ import annotations

from chatapp.application.live.presence import PresenceBook
from chatapp.application.live.relay import LocalOnly, Relay
from chatapp.application.live.sequencer import Sequencer
from chatapp.application.live.subscriber import FrameEncoder, Subscriber
from chatapp.application.ports.conversations import ConversationDirectory, MessageHistory
from chatapp.application.ports.events import EventPublisher
from chatapp.application.ports.user_directory import UserDirectory
from chatapp.domain.events import (
    ChatEvent,
    ConversationChanged,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    PresenceChanged,
    TokensRevoked,
    UserRef,
)


class LiveHub(EventPublisher):
    """This process's live delivery: who is connected, and each event to its recipients' connections.

    A conversation's messages reach every connection in seq order with no gap (the Sequencer reads
    back what arrives out of order or was announced by another process). Each event is encoded
    once, whatever the number of recipients. A conversation message goes to every member
    connection, its sender's included (that frame is the sender's ack, so it too comes in order);
    anything else skips the connection whose own frame caused it.

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
        self._directory = directory
        self._users = users
        self._encode = encode
        self._relay = relay or LocalOnly()
        self._connections: dict[int, set[Subscriber]] = {}  # user id -> their open connections here
        self._sequencer = Sequencer(history, directory, self._fan_out)
        self._presence = PresenceBook()

    # --- who is connected ---------------------------------------------------------------------

    async def subscribe(self, user: UserRef, subscriber: Subscriber) -> None:
        """Everything it reads is read before anything changes: a database that fails here leaves
        no half-subscribed connection behind (one that would get frames, and never be unsubscribed)."""
        first_here = not self._connections.get(user.id)
        last_seqs = await self._directory.last_seqs(user.id) if first_here else {}
        peers = await self._directory.peers(user.id)  # for presence, should this make them online
        for conversation_id, last_seq in last_seqs.items():
            self._sequencer.follow(conversation_id, last_seq)  # from where the user stands
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
            self._sequencer.posted(event)
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
                self._sequencer.posted(event)  # other processes hear of it from the storing transaction
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
        self._sequencer.advance(conversation_id, first_seq, last_seq)

    def repair(self) -> None:
        """Events from other processes may have been missed: read every followed conversation back."""
        self._sequencer.repair()

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
        elif isinstance(event, MessageEdited | MessageDeleted):
            conversation_id = event.message.conversation_id  # a notice: after the message it is about
        elif isinstance(event, ConversationChanged):
            conversation_id = event.conversation.id
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
        await self._sequencer.settled()

    async def aclose(self) -> None:
        await self._sequencer.aclose()
