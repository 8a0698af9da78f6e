"""What only PostgreSQL does: several message logs (processes) numbering one conversation, and NOTIFY
sent by the inserting transaction, heard in commit order and only once committed."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from chatapp.adapters.sql.database import make_engine
from chatapp.adapters.sql.message_log import SqlMessageLog
from chatapp.adapters.sql.notify import EVENTS_CHANNEL
from chatapp.adapters.sql.unit_of_work import SqlUnitOfWork
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.conversation import Conversation
from chatapp.domain.events import MessagePosted
from chatapp.domain.user import User
from tests.adapters.factories import draft, new_conversation, new_user
from tests.pg_proxy import CommitCutter

pytestmark = pytest.mark.postgres


def seqs_payload(posted: list[MessagePosted]) -> str:
    return ",".join(str(p.message.seq) for p in posted if p.message.seq is not None) or "personal"


@pytest.fixture
def url(clean_postgres_url: str) -> str:
    return clean_postgres_url


@pytest.fixture
async def engine(url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def people_and_group(engine: AsyncEngine) -> tuple[list[User], Conversation]:
    async with SqlUnitOfWork(engine) as uow:
        users = [await uow.users.add(new_user(f"user{n}")) for n in range(4)]
        group = await uow.conversations.add(new_conversation(*users))
        await uow.commit()
    return users, group


@pytest.fixture
async def heard(url: str) -> AsyncIterator[asyncio.Queue[str]]:
    """Every payload NOTIFYed on EVENTS_CHANNEL, in the order PostgreSQL delivered them."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    listener = await asyncpg.connect(
        make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    )
    await listener.add_listener(EVENTS_CHANNEL, lambda *args: queue.put_nowait(args[-1]))
    queue.listener = listener  # type: ignore[attr-defined]
    yield queue
    await listener.close()


async def test_two_logs_on_two_engines_number_one_conversation_in_commit_order(
    url: str, people_and_group: tuple[list[User], Conversation], heard: asyncio.Queue[str]
) -> None:
    users, group = people_and_group
    engines = [make_engine(url), make_engine(url)]  # two processes, two writers each
    logs = [SqlMessageLog(e, notify=seqs_payload, max_batch=7) for e in engines]
    rng = random.Random(14)

    async def sender(user: User, n: int) -> list[ChatMessage]:
        sent = []
        for i in range(n):
            log = logs[rng.randrange(2)]
            personal = rng.random() < 0.2
            sent.append(await log.append(draft(user, f"{i}", conversation=None if personal else group)))
        return sent

    try:
        results = await asyncio.gather(*(sender(u, 60) for u in users for _ in range(3)))
    finally:
        for log in logs:
            await log.aclose()
        for e in engines:
            await e.dispose()

    numbered = sorted(m.seq for batch in results for m in batch if m.conversation_id is not None)
    assert numbered == list(range(1, len(numbered) + 1)) and len(numbered) > 500
    committed: list[int] = []
    while len(committed) < len(numbered):
        payload = await asyncio.wait_for(heard.get(), 10)
        committed += [] if payload == "personal" else [int(seq) for seq in payload.split(",")]
    assert committed == numbered  # PostgreSQL delivers notifications in commit order


async def test_the_notification_is_heard_only_after_the_batch_commits(
    engine: AsyncEngine, people_and_group: tuple[list[User], Conversation], heard: asyncio.Queue[str]
) -> None:
    users, group = people_and_group
    gate = heard.listener  # type: ignore[attr-defined]
    # A deferred trigger runs at COMMIT, after the insert and its pg_notify: it waits for the gate.
    await gate.execute(
        """
        CREATE FUNCTION wait_for_gate() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN PERFORM pg_advisory_xact_lock_shared(4242); RETURN NULL; END $$;
        CREATE CONSTRAINT TRIGGER gate AFTER INSERT ON chat_sessions DEFERRABLE INITIALLY DEFERRED
            FOR EACH ROW EXECUTE FUNCTION wait_for_gate();
        """
    )
    await gate.execute("SELECT pg_advisory_lock(4242)")
    log = SqlMessageLog(engine, notify=seqs_payload)
    try:
        sending = asyncio.create_task(log.append(draft(users[0], conversation=group)))
        await until_committing(gate)  # inserted, pg_notify issued, COMMIT under way
        await gate.fetchval("SELECT 1")  # a round trip: anything sent is in
        assert heard.empty()

        await gate.execute("SELECT pg_advisory_unlock(4242)")
        stored = await sending
        assert await asyncio.wait_for(heard.get(), 10) == "1" == str(stored.seq)
    finally:
        await log.aclose()
        await gate.execute("SELECT pg_advisory_unlock_all()")
        await gate.execute("DROP TRIGGER gate ON chat_sessions; DROP FUNCTION wait_for_gate()")


async def until_committing(gate: asyncpg.Connection) -> None:
    """Until another backend of this database waits for the gate's advisory lock (fails after 10 s)."""
    waiting = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
    )
    async with asyncio.timeout(10):
        while not await gate.fetchval(waiting):
            await asyncio.sleep(0.01)


async def test_only_new_conversation_messages_are_announced_and_none_means_silence(
    engine: AsyncEngine, people_and_group: tuple[list[User], Conversation], heard: asyncio.Queue[str]
) -> None:
    users, group = people_and_group
    told: list[list[str]] = []

    def payload(posted: list[MessagePosted]) -> str | None:
        told.append([p.message.document_id for p in posted])
        return None if posted[0].message.message == "quiet" else "loud"

    log = SqlMessageLog(engine, notify=payload)
    try:
        await log.append(draft(users[0], "personal: stays one statement, announced to nobody"))
        quiet = await log.append(draft(users[0], "quiet", conversation=group))
        loud = await log.append(draft(users[0], "loud", client_id="once", conversation=group))
        resent = draft(users[0], "loud again", client_id="once", conversation=group)
        again = await log.append(resent)
    finally:
        await log.aclose()

    assert await asyncio.wait_for(heard.get(), 10) == "loud"
    await heard.listener.fetchval("SELECT 1")  # type: ignore[attr-defined]
    assert heard.empty()  # "quiet" sent nothing; the retry stored nothing, so announced nothing
    assert again == loud
    # The first try at the resent client id built its payload before its insert found the id taken:
    # that try rolled back, its notification with it.
    assert told == [[quiet.document_id], [loud.document_id], [resent.document_id]]
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM chat_sessions"))).scalar_one() == 3


async def test_batches_mixing_personal_and_conversation_messages_keep_the_idempotence_contract(
    engine: AsyncEngine, people_and_group: tuple[list[User], Conversation], heard: asyncio.Queue[str]
) -> None:
    users, group = people_and_group
    log = SqlMessageLog(engine, notify=seqs_payload)
    try:
        retries = await asyncio.gather(
            *(log.append(draft(users[0], f"try {i}", client_id="x")) for i in range(5))
        )
        mixed = await asyncio.gather(
            *(
                log.append(draft(u, f"{u.username} {i}", conversation=group if i % 2 else None))
                for i in range(20)
                for u in users
            )
        )
        again = await log.append(draft(users[0], "late retry", client_id="x"))
    finally:
        await log.aclose()

    assert len({m.id for m in retries}) == 1 and again == retries[0]
    assert len({m.id for m in mixed}) == 80
    assert sorted(m.seq for m in mixed if m.seq is not None) == list(range(1, 41))
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT count(*) FROM chat_sessions"))).scalar_one() == 81


@pytest.mark.parametrize("in_conversation", [False, True], ids=["personal", "conversation"])
async def test_a_batch_whose_commit_answer_is_lost_twice_is_stored_once_and_acknowledged(
    url: str, engine: AsyncEngine, people_and_group: tuple[list[User], Conversation], in_conversation: bool
) -> None:
    """A proxy lets the batch's COMMIT through, then drops its answer and the connection, on the
    writer's first connection (nothing was kept, nothing was idle) and again on the one it resends on.
    A conversation batch's resend finds every row before it inserts (nothing left to commit, nothing
    to cut); a personal one inserts again (ON CONFLICT skips them all) and loses that answer too,
    then its third try finds the rows."""
    users, group = people_and_group
    upstream = make_url(url)
    proxy = CommitCutter(upstream.port or 5432, every=1, limit=2)
    await proxy.start()
    proxied = make_engine(upstream.set(port=proxy.port).render_as_string(hide_password=False))
    log = SqlMessageLog(proxied, writers=1)
    proxy.cutting = True
    try:
        stored = await asyncio.gather(
            *(log.append(draft(u, u.username, conversation=group if in_conversation else None)) for u in users)
        )
    finally:
        await log.aclose()
        await proxied.dispose()
        await proxy.close()

    assert proxy.cuts.total() == (1 if in_conversation else 2)
    async with engine.connect() as connection:
        rows = (await connection.execute(text("SELECT id, message, seq FROM chat_sessions ORDER BY id"))).all()
    assert sorted((m.id, m.message, m.seq) for m in stored) == [tuple(row) for row in rows]
    assert len(rows) == len(users)
    if in_conversation:
        assert sorted(row.seq for row in rows) == [1, 2, 3, 4]
