"""Live delivery on the in-memory adapters: order, gaps read back, each event encoded once."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from chatapp.adapters.memory.conversation_directory import InMemoryConversationDirectory
from chatapp.adapters.memory.message_history import InMemoryMessageHistory
from chatapp.adapters.memory.message_log import InMemoryMessageLog
from chatapp.application.live.hub import LiveHub
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.conversation import Conversation
from chatapp.domain.errors import StorageUnavailable
from chatapp.domain.events import ChatEvent, MessagePosted, PresenceChanged, Typing, UserRef
from chatapp.domain.user import User
from tests.adapters.factories import draft, new_conversation
from tests.unit.conftest import World


@dataclass(eq=False)
class Connection:
    connection_id: int
    frames: list[tuple[str, int | None, int | None]] = field(default_factory=list)

    def deliver(self, frame: str, conversation_id: int | None, seq: int | None) -> None:
        self.frames.append((frame, conversation_id, seq))

    def revoke(self, token_version: int) -> None:
        self.frames.append(("revoked", None, token_version))

    @property
    def seqs(self) -> list[int | None]:
        return [seq for _, _, seq in self.frames]


@dataclass
class CountingEncoder:
    calls: int = 0

    def __call__(self, event: ChatEvent) -> str:
        self.calls += 1
        return type(event).__name__


class Chat:
    def __init__(self, world: World) -> None:
        self.world = world
        self.encoder = CountingEncoder()
        self.hub = LiveHub(InMemoryMessageHistory(world.db), InMemoryConversationDirectory(world.db), self.encoder)
        self.log = InMemoryMessageLog(world.db)

    async def group(self, *members: User) -> Conversation:
        async with self.world.uow() as uow:
            conversation = await uow.conversations.add(new_conversation(*members))
            await uow.commit()
        return conversation

    async def store(self, author: User, conversation: Conversation, text: str = "hi") -> ChatMessage:
        return await self.log.append(draft(author, text, conversation=conversation))

    async def join(self, user: User, connection_id: int) -> Connection:
        connection = Connection(connection_id)
        await self.hub.subscribe(UserRef.of(user), connection)
        return connection


def posted(message: ChatMessage, conversation: Conversation, origin: object = None) -> MessagePosted:
    return MessagePosted(message=message, recipients=conversation.member_ids, origin=origin)


async def test_a_message_published_ahead_of_its_predecessor_waits_for_it(world: World) -> None:
    chat = Chat(world)
    alice, bob = (await world.register("alice")).user, (await world.register("bob")).user
    team = await chat.group(alice, bob)
    receiver = await chat.join(bob, 1)
    first, second = await chat.store(alice, team), await chat.store(alice, team)

    chat.hub.publish(posted(second, team))  # the first one's publisher was slower (or never came)
    await chat.hub.settled()
    chat.hub.publish(posted(first, team))

    assert receiver.seqs == [1, 2]


async def test_what_another_process_committed_is_read_back_in_order(world: World) -> None:
    chat = Chat(world)
    alice, bob = (await world.register("alice")).user, (await world.register("bob")).user
    team = await chat.group(alice, bob)
    receiver = await chat.join(bob, 1)
    for _ in range(3):
        await chat.store(alice, team)

    chat.hub.advance(team.id, 1, 3)
    await chat.hub.settled()
    chat.hub.advance(team.id, 3, 3)  # a late duplicate notice
    await chat.hub.settled()

    assert receiver.seqs == [1, 2, 3]


class WatchedHistory(InMemoryMessageHistory):
    """Counts the reads that reach it; the database is unavailable for the next `failures` of them."""

    reads = 0
    failures = 0

    async def after(self, conversation_id: int, seq: int, limit: int) -> list[ChatMessage]:
        self.reads += 1
        if self.failures:
            self.failures -= 1
            raise StorageUnavailable()
        return await super().after(conversation_id, seq, limit)


async def test_a_message_another_process_sent_along_is_delivered_as_is_when_next_else_after_the_gap(
    world: World,
) -> None:
    chat = Chat(world)
    history = WatchedHistory(world.db)
    chat.hub = LiveHub(history, InMemoryConversationDirectory(world.db), chat.encoder)
    alice, bob = (await world.register("alice")).user, (await world.register("bob")).user
    team = await chat.group(alice, bob)
    receiver = await chat.join(bob, 1)
    first, second, third, fourth = [await chat.store(alice, team) for _ in range(4)]

    chat.hub.receive(posted(first, team))  # the next one: delivered at once, nothing read
    chat.hub.receive(posted(second, team))
    assert receiver.seqs == [1, 2] and history.reads == 0

    chat.hub.receive(posted(fourth, team))  # the notice of the third was lost: read back, then the fourth
    await chat.hub.settled()
    chat.hub.receive(posted(third, team))  # late: already delivered
    assert receiver.seqs == [1, 2, 3, 4] and history.reads == 1


async def test_a_read_back_the_database_fails_is_tried_again_and_leaves_no_gap(world: World) -> None:
    chat = Chat(world)
    history = WatchedHistory(world.db)
    chat.hub = LiveHub(history, InMemoryConversationDirectory(world.db), chat.encoder)
    alice, bob = (await world.register("alice")).user, (await world.register("bob")).user
    team = await chat.group(alice, bob)
    receiver = await chat.join(bob, 1)
    first, second, third = [await chat.store(alice, team) for _ in range(3)]
    history.failures = 2  # e.g. the pool's connections, dropped by a database restart

    chat.hub.publish(posted(first, team))
    chat.hub.publish(posted(third, team))  # the second's publisher is late: read back
    await chat.hub.settled()
    chat.hub.publish(posted(second, team))

    assert receiver.seqs == [1, 2, 3] and history.failures == 0


async def test_a_deleted_message_leaves_a_hole_that_delivery_steps_over(world: World) -> None:
    chat = Chat(world)
    alice, bob = (await world.register("alice")).user, (await world.register("bob")).user
    team = await chat.group(alice, bob)
    receiver = await chat.join(bob, 1)
    first, _, third = [await chat.store(alice, team) for _ in range(3)]
    chat.hub.publish(posted(first, team))
    del world.db.messages[third.id - 1]

    chat.hub.publish(posted(third, team))
    await chat.hub.settled()

    assert receiver.seqs == [1, 3]


async def test_each_event_is_encoded_once_for_all_its_recipients(world: World) -> None:
    chat = Chat(world)
    users = [(await world.register(name)).user for name in ("alice", "bob", "carol", "dave")]
    team = await chat.group(*users)
    connections = [await chat.join(user, n) for n, user in enumerate(users * 2)]
    for connection in connections:
        connection.frames.clear()  # presence news of the others joining
    chat.encoder.calls = 0

    chat.hub.publish(posted(await chat.store(users[0], team), team, origin=0))

    assert chat.encoder.calls == 1
    assert all(c.seqs == [1] for c in connections)  # the sender's own connection too: that is its ack


async def test_other_events_skip_the_connection_that_caused_them(world: World) -> None:
    chat = Chat(world)
    alice, bob = (await world.register("alice")).user, (await world.register("bob")).user
    team = await chat.group(alice, bob)
    typist, elsewhere = await chat.join(alice, 1), await chat.join(alice, 2)

    typing = Typing(
        conversation_document_id=team.document_id, user=UserRef.of(alice), recipients={alice.id}, origin=1
    )
    chat.hub.publish(typing)

    assert (typist.frames, [frame for frame, _, _ in elsewhere.frames]) == ([], ["Typing"])


async def test_presence_goes_to_who_shares_a_conversation_on_first_and_last_connection(world: World) -> None:
    chat = Chat(world)
    alice, bob, carol = [(await world.register(name)).user for name in ("alice", "bob", "carol")]
    await chat.group(alice, bob)
    watcher, stranger = await chat.join(alice, 1), await chat.join(carol, 2)

    first = await chat.join(bob, 3)
    second = await chat.join(bob, 4)
    await chat.hub.unsubscribe(UserRef.of(bob), first)
    assert [frame for frame, _, _ in watcher.frames] == ["PresenceChanged"]
    await chat.hub.unsubscribe(UserRef.of(bob), second)

    assert [frame for frame, _, _ in watcher.frames] == ["PresenceChanged", "PresenceChanged"]
    assert stranger.frames == []
    assert chat.hub.is_online(alice.id) and not chat.hub.is_online(bob.id)


def presence_text(event: ChatEvent) -> str:
    assert isinstance(event, PresenceChanged)
    return f"{event.user.username} {'online' if event.online else 'offline'}"


async def test_a_silent_processs_users_go_offline_here_unless_still_connected_elsewhere(world: World) -> None:
    chat = Chat(world)
    directory = InMemoryConversationDirectory(world.db)
    chat.hub = LiveHub(InMemoryMessageHistory(world.db), directory, presence_text)
    users = [(await world.register(name)).user for name in ("alice", "bob", "carol", "dave")]
    alice, bob, carol, dave = users
    await chat.group(alice, bob, carol, dave)
    watcher = await chat.join(alice, 1)
    for user in (bob, carol, dave):  # all three connected to process "west"; dave also to "north"
        await chat.hub.remote_presence("west", UserRef.of(user), True, now=0.0)
    await chat.hub.remote_presence("north", UserRef.of(dave), True, now=0.0)
    await chat.join(carol, 2)  # and carol here
    assert [frame for frame, _, _ in watcher.frames] == ["bob online", "carol online", "dave online"]

    chat.hub.remote_alive("north", now=20.0)
    await chat.hub.expire_processes(older_than=10.0)  # west was killed: it said nothing since 0.0

    assert [frame for frame, _, _ in watcher.frames][3:] == ["bob offline"]
    assert not chat.hub.is_online(bob.id) and chat.hub.is_online(carol.id) and chat.hub.is_online(dave.id)
    await chat.hub.expire_processes(older_than=30.0)  # now north too
    assert [frame for frame, _, _ in watcher.frames][3:] == ["bob offline", "dave offline"]


class FailingPeers(InMemoryConversationDirectory):
    """The database fails the presence look-up of the next subscribe, once `fail` is set."""

    fail = False

    async def peers(self, user_id: int) -> frozenset[int]:
        if self.fail:
            self.fail = False
            raise StorageUnavailable()
        return await super().peers(user_id)


async def test_a_subscribe_the_database_fails_leaves_no_connection_behind(world: World) -> None:
    chat = Chat(world)
    directory = FailingPeers(world.db)
    chat.hub = LiveHub(InMemoryMessageHistory(world.db), directory, chat.encoder)
    alice, bob = (await world.register("alice")).user, (await world.register("bob")).user
    team = await chat.group(alice, bob)
    watcher = await chat.join(alice, 1)
    watcher.frames.clear()
    refused = Connection(2)
    directory.fail = True

    with pytest.raises(StorageUnavailable):  # the connection is told `unavailable`, not signed in
        await chat.hub.subscribe(UserRef.of(bob), refused)
    chat.hub.publish(posted(await chat.store(alice, team), team))
    await chat.hub.settled()

    assert refused.frames == []  # no frame for a connection that was never signed in
    assert not chat.hub.is_online(bob.id) and watcher.seqs == [1]  # nor did bob come online
