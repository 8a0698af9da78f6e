"""Two processes on one PostgreSQL behave as one: conversation messages, other events and presence
cross over, and a process whose listening connection is killed reads back what it missed.

A conversation message's notice carries the message itself when it fits: the other process then
delivers it without reading anything back, unless it missed the one before."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import asyncpg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from chatapp.adapters.sql.conversation_directory import SqlConversationDirectory
from chatapp.adapters.sql.database import make_engine
from chatapp.adapters.sql.message_history import SqlMessageHistory
from chatapp.adapters.sql.message_log import SqlMessageLog
from chatapp.adapters.sql.postgres_relay import MAX_PAYLOAD_BYTES, PostgresRelay
from chatapp.adapters.sql.unit_of_work import SqlUnitOfWork
from chatapp.application.live.hub import LiveHub
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.conversation import Conversation
from chatapp.domain.events import ChatEvent, MessagePosted, TokensRevoked, Typing, UserRef
from chatapp.domain.user import User
from chatapp.entrypoints.ws.live_frames import encode_live_event
from tests.adapters.factories import draft, new_conversation, new_user

pytestmark = pytest.mark.postgres
DEADLINE_SECONDS = 10.0


@dataclass(eq=False)
class Connection:
    connection_id: int
    frames: list[tuple[str, int | None]]
    revoked_below: int = 0

    def deliver(self, frame: str, conversation_id: int | None, seq: int | None) -> None:
        self.frames.append((frame, seq))

    def revoke(self, token_version: int) -> None:
        self.revoked_below = token_version

    def kinds(self) -> list[str]:
        return [frame.split(":")[0] for frame, _ in self.frames]


def encode(event: ChatEvent) -> str:
    if isinstance(event, MessagePosted):
        return f"message:{encode_live_event(event)}"  # the /ws frame
    return f"{type(event).__name__}:{getattr(event, 'online', '')}"


class CountedHistory(SqlMessageHistory):
    reads = 0

    async def after(self, conversation_id: int, seq: int, limit: int) -> list[ChatMessage]:
        self.reads += 1
        return await super().after(conversation_id, seq, limit)


@dataclass
class Process:
    engine: AsyncEngine
    relay: PostgresRelay
    hub: LiveHub
    log: SqlMessageLog
    history: CountedHistory

    async def send(self, message: ChatMessage, conversation: Conversation) -> None:
        """Published here as RecordMessage does once it is stored; the other process hears of it by NOTIFY."""
        self.hub.publish(MessagePosted(message=message, recipients=conversation.member_ids))


async def until(condition: Callable[[], bool]) -> None:
    """Wait for something another process causes; fail after DEADLINE_SECONDS."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "it never happened"
        await asyncio.sleep(0.01)


@pytest.fixture
async def processes(clean_postgres_url: str) -> AsyncIterator[list[Process]]:
    dsn = make_url(clean_postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    started = []
    for _ in range(2):
        engine = make_engine(clean_postgres_url)
        relay = PostgresRelay(dsn)
        history = CountedHistory(engine)
        hub = LiveHub(history, SqlConversationDirectory(engine), encode, relay)
        relay.start(hub)
        log = SqlMessageLog(engine, notify=relay.messages_stored)
        started.append(Process(engine, relay, hub, log, history))
    yield started
    for process in started:
        await process.log.aclose()
        await process.relay.aclose()
        await process.hub.aclose()
        await process.engine.dispose()


@pytest.fixture
async def team(processes: list[Process]) -> tuple[list[User], Conversation]:
    async with SqlUnitOfWork(processes[0].engine) as uow:
        users = [await uow.users.add(new_user(name)) for name in ("alice", "bob")]
        conversation = await uow.conversations.add(new_conversation(*users))
        await uow.commit()
    return users, conversation


async def listening(*processes: Process) -> None:
    """Both relays have joined: each heard the other's hello."""
    for process in processes:
        await until(lambda p=process: bool(p.hub._presence._seen))


async def test_a_message_stored_by_one_process_reaches_members_on_the_other_in_order(
    processes: list[Process], team: tuple[list[User], Conversation]
) -> None:
    (alice, bob), conversation = team
    here, there = processes
    receiver = Connection(1, [])
    await there.hub.subscribe(UserRef.of(bob), receiver)
    await listening(here, there)

    sender = Connection(2, [])
    await here.hub.subscribe(UserRef.of(alice), sender)
    for n in range(20):
        await here.send(await here.log.append(draft(alice, f"m{n}", conversation=conversation)), conversation)

    await until(lambda: len(messages(receiver)) == 20)
    assert [seq for _, seq in messages(receiver)] == list(range(1, 21))
    assert messages(receiver) == messages(sender)  # the same frames, byte for byte
    assert there.history.reads == 0  # each notice carried its messages


def messages(connection: Connection) -> list[tuple[str, int | None]]:
    return [frame for frame in connection.frames if frame[1] is not None]


@pytest.mark.parametrize("why", ["too big", "recipients unknown"])
async def test_a_notice_without_the_messages_has_them_read_back_in_order(
    processes: list[Process], team: tuple[list[User], Conversation], why: str
) -> None:
    (alice, bob), conversation = team
    here, there = processes
    receiver, sender = Connection(1, []), Connection(2, [])
    await there.hub.subscribe(UserRef.of(bob), receiver)
    await here.hub.subscribe(UserRef.of(alice), sender)
    await listening(here, there)

    for n in range(3):
        new = draft(alice, f"m{n}", conversation=conversation)
        if why == "too big":
            new.message = "x" * MAX_PAYLOAD_BYTES
        else:
            new.recipients = frozenset()  # as a draft built without them
        await here.send(await here.log.append(new), conversation)

    await until(lambda: len(messages(receiver)) == 3)
    assert [seq for _, seq in messages(receiver)] == [1, 2, 3]
    assert messages(receiver) == messages(sender)
    assert there.history.reads >= 1


async def test_a_message_sent_along_after_a_lost_notice_waits_for_the_one_read_back(
    processes: list[Process], team: tuple[list[User], Conversation]
) -> None:
    (alice, bob), conversation = team
    here, there = processes
    receiver = Connection(1, [])
    await there.hub.subscribe(UserRef.of(bob), receiver)
    await listening(here, there)
    silent = SqlMessageLog(here.engine)  # stores without announcing: as if its notice were lost
    try:
        await silent.append(draft(alice, "unheard", conversation=conversation))
    finally:
        await silent.aclose()

    await here.log.append(draft(alice, "heard", conversation=conversation))  # its notice carries it

    await until(lambda: len(messages(receiver)) == 2)
    assert [seq for _, seq in messages(receiver)] == [1, 2]
    assert '"content":"unheard"' in messages(receiver)[0][0] and there.history.reads == 1


async def test_other_events_and_presence_cross_over(
    processes: list[Process], team: tuple[list[User], Conversation]
) -> None:
    (alice, bob), conversation = team
    here, there = processes
    watcher = Connection(1, [])
    await there.hub.subscribe(UserRef.of(bob), watcher)
    await listening(here, there)

    typist = Connection(2, [])
    await here.hub.subscribe(UserRef.of(alice), typist)
    await until(lambda: "PresenceChanged" in watcher.kinds())
    assert there.hub.is_online(alice.id)

    here.hub.publish(
        Typing(conversation_document_id=conversation.document_id, user=UserRef.of(alice), recipients={bob.id})
    )
    await until(lambda: "Typing" in watcher.kinds())

    await here.hub.unsubscribe(UserRef.of(alice), typist)
    await until(lambda: watcher.frames[-1][0] == "PresenceChanged:False")
    assert not there.hub.is_online(alice.id)

    here.hub.publish(TokensRevoked(user_id=bob.id, token_version=7))  # bob changed his password here
    await until(lambda: watcher.revoked_below == 7)


async def test_a_process_given_up_on_for_its_silence_says_again_who_is_online_once_heard_from(
    processes: list[Process], team: tuple[list[User], Conversation]
) -> None:
    (alice, bob), conversation = team
    here, there = processes
    watcher = Connection(1, [])
    await there.hub.subscribe(UserRef.of(bob), watcher)
    await listening(here, there)
    await here.hub.subscribe(UserRef.of(alice), Connection(2, []))
    await until(lambda: there.hub.is_online(alice.id))

    # As if `here` had stalled past the presence timeout: `there` gives up on it, alice goes offline.
    await there.hub.expire_processes(older_than=time.monotonic() + 1)
    assert not there.hub.is_online(alice.id) and watcher.frames[-1][0] == "PresenceChanged:False"

    here.hub.publish(  # `here` speaks again (this, or its heartbeat): it was alive all along
        Typing(conversation_document_id=conversation.document_id, user=UserRef.of(alice), recipients={bob.id})
    )
    await until(lambda: there.hub.is_online(alice.id))
    await until(lambda: [f for f, _ in watcher.frames if f.startswith("Presence")][-1] == "PresenceChanged:True")


async def test_a_killed_listening_connection_is_replaced_and_what_it_missed_is_read_back(
    processes: list[Process], team: tuple[list[User], Conversation], clean_postgres_url: str
) -> None:
    (alice, bob), conversation = team
    here, there = processes
    receiver = Connection(1, [])
    await there.hub.subscribe(UserRef.of(bob), receiver)
    await listening(here, there)
    first = await here.log.append(draft(alice, "before", conversation=conversation))
    await until(lambda: [seq for _, seq in receiver.frames if seq] == [first.seq])

    admin = await asyncpg.connect(
        make_url(clean_postgres_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    try:  # every LISTEN connection of this database (both processes) dies; the NOTIFYs meanwhile are lost
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND query LIKE 'LISTEN%'"
        )
        for n in range(5):
            await here.log.append(draft(alice, f"during {n}", conversation=conversation))
    finally:
        await admin.close()

    await until(lambda: [seq for _, seq in receiver.frames if seq] == [1, 2, 3, 4, 5, 6])
