"""What only the SQL adapters do: group commit, shutdown, unreachable databases, recovery, isolation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from chatapp.adapters.sql.database import make_engine
from chatapp.adapters.sql.disk_space import DiskFullWatch
from chatapp.adapters.sql.health import SqlHealthProbe
from chatapp.adapters.sql.message_log import SqlMessageLog
from chatapp.adapters.sql.migrate import upgrade_schema
from chatapp.adapters.sql.unit_of_work import SqlUnitOfWork
from chatapp.domain.errors import StorageUnavailable
from chatapp.domain.user import User
from tests.adapters.factories import draft, new_conversation, new_user, unsaved_user


@pytest.fixture
async def engine(sql_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(sql_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def alice(engine: AsyncEngine) -> User:
    async with SqlUnitOfWork(engine) as uow:
        user = await uow.users.add(new_user("alice"))
        await uow.commit()
    return user


async def count_messages(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(text("SELECT count(*) FROM chat_sessions"))).scalar_one()


class Transactions:
    """How many transactions stored the chat_sessions rows. PostgreSQL tells by each row's xmin (the
    id of the transaction that inserted it); SQLite has none, so its commits are counted as sent:
    the COMMIT statements sqlite3 runs (the message log commits on the driver's own connection)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._sqlite_commits = 0
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine.pool, "checkout", self._trace)

    def _trace(self, dbapi_connection: Any, _record: object, _proxy: object) -> None:
        sqlite_connection = dbapi_connection.driver_connection._conn  # aiosqlite's sqlite3 connection
        sqlite_connection.set_trace_callback(self._count_commit)

    def _count_commit(self, statement: str) -> None:
        if statement.lstrip().upper().startswith("COMMIT"):
            self._sqlite_commits += 1

    async def count(self) -> int:
        if self._engine.dialect.name == "sqlite":
            return self._sqlite_commits
        async with self._engine.connect() as connection:
            return int(await connection.scalar(text("SELECT count(DISTINCT xmin::text) FROM chat_sessions")))


async def test_appends_that_arrive_together_share_a_commit(engine: AsyncEngine, alice: User) -> None:
    log = SqlMessageLog(engine)
    transactions = Transactions(engine)

    stored = await asyncio.gather(*(log.append(draft(alice, f"m{i}")) for i in range(200)))
    await log.aclose()

    assert len({message.id for message in stored}) == 200 == await count_messages(engine)
    assert 1 <= await transactions.count() <= 2  # at most one per writer task, not one per message


async def test_close_stores_what_is_queued_then_refuses(engine: AsyncEngine, alice: User) -> None:
    log = SqlMessageLog(engine)
    pending = [asyncio.create_task(log.append(draft(alice, f"m{i}"))) for i in range(50)]
    await asyncio.sleep(0)  # every append is queued

    await log.aclose()

    assert len({message.id for message in await asyncio.gather(*pending)}) == 50
    with pytest.raises(StorageUnavailable):
        await log.append(draft(alice))


async def test_one_bad_message_does_not_fail_its_batch(engine: AsyncEngine, alice: User) -> None:
    log = SqlMessageLog(engine)

    results = await asyncio.gather(
        log.append(draft(alice, "one")),
        log.append(draft(unsaved_user(), "orphan")),
        log.append(draft(alice, "two")),
        return_exceptions=True,
    )
    await log.aclose()

    assert [type(result).__name__ for result in results] == [
        "ChatMessage",
        "StorageRejected",
        "ChatMessage",
    ]
    assert await count_messages(engine) == 2


async def test_health_probe_answers_for_a_live_database(engine: AsyncEngine) -> None:
    assert await SqlHealthProbe(engine).database_ok()


async def terminate_other_connections(url: str) -> None:
    """What a PostgreSQL restart does to the connections in our pool."""
    admin = make_engine(url)
    async with admin.connect() as connection:
        await connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    await admin.dispose()


UNREACHABLE = {
    "sqlite": lambda tmp: f"sqlite+aiosqlite:///{tmp / 'missing-dir' / 'chat.db'}",
    "postgres": lambda tmp: "postgresql://postgres@127.0.0.1:1/nothing-listens-here",
}


@pytest.mark.parametrize("kind", UNREACHABLE)
async def test_an_unreachable_database_is_storage_unavailable(kind: str, tmp_path: Path) -> None:
    engine = make_engine(UNREACHABLE[kind](tmp_path))
    log = SqlMessageLog(engine)

    with pytest.raises(StorageUnavailable):
        async with SqlUnitOfWork(engine):
            pass
    with pytest.raises(StorageUnavailable):
        await log.append(draft(unsaved_user()))
    assert not await SqlHealthProbe(engine).database_ok()

    await log.aclose()
    await engine.dispose()


async def test_the_log_recovers_when_the_database_comes_back(tmp_path: Path) -> None:
    directory = tmp_path / "later"
    engine = make_engine(f"sqlite+aiosqlite:///{directory / 'chat.db'}")
    log = SqlMessageLog(engine)
    with pytest.raises(StorageUnavailable):
        await log.append(draft(unsaved_user()))

    directory.mkdir()
    await upgrade_schema(engine)
    async with SqlUnitOfWork(engine) as uow:
        alice = await uow.users.add(new_user("alice"))
        await uow.commit()

    assert (await log.append(draft(alice))).user_id == alice.id
    await log.aclose()
    await engine.dispose()


@pytest.mark.postgres
async def test_connections_killed_by_a_postgres_restart_are_replaced(clean_postgres_url: str) -> None:
    """Once idle past the threshold (here at once), a pooled connection is pinged before use."""
    engine = make_engine(clean_postgres_url, ping_after_idle=0.0)
    async with SqlUnitOfWork(engine) as uow:
        alice = await uow.users.add(new_user("alice"))
        await uow.commit()
    log = SqlMessageLog(engine)
    await log.append(draft(alice))  # its writer keeps a connection
    async with SqlUnitOfWork(engine) as uow:
        await uow.users.get(alice.id)  # and the pool holds another

    await terminate_other_connections(clean_postgres_url)

    async with SqlUnitOfWork(engine) as uow:
        assert await uow.users.get(alice.id) == alice
    assert (await log.append(draft(alice))).user_id == alice.id
    await log.aclose()
    await engine.dispose()


@pytest.mark.postgres
async def test_a_connection_killed_while_it_was_in_use_fails_one_unit_of_work_and_is_replaced(
    clean_postgres_url: str,
) -> None:
    """Within the idle threshold (here an hour) a pooled connection is not pinged: the unit of work
    handed one killed meanwhile is unavailable (retryable), and the next gets a new connection."""
    engine = make_engine(clean_postgres_url, ping_after_idle=3600.0)
    async with SqlUnitOfWork(engine) as uow:
        alice = await uow.users.add(new_user("alice"))
        await uow.commit()

    await terminate_other_connections(clean_postgres_url)

    with pytest.raises(StorageUnavailable):
        async with SqlUnitOfWork(engine) as uow:
            await uow.users.get(alice.id)
    async with SqlUnitOfWork(engine) as uow:
        assert await uow.users.get(alice.id) == alice
    await engine.dispose()


_REFUSE_FOR_LACK_OF_SPACE = (
    """CREATE FUNCTION no_room() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$""",
    "CREATE TRIGGER no_room BEFORE INSERT ON chat_sessions FOR EACH ROW EXECUTE FUNCTION no_room()",
)


@pytest.mark.postgres
@pytest.mark.parametrize("in_conversation", [False, True], ids=["personal", "conversation"])
async def test_a_write_refused_for_lack_of_space_is_unavailable_and_turns_health_to_a_probe_write(
    empty_postgres_url: str, in_conversation: bool
) -> None:
    """PostgreSQL refuses inserts with disk_full (53100), as when a table cannot grow: the message is
    unavailable, not resent, not stored; the watch learns it on either path (the personal path's own
    driver call, the conversation path's SQLAlchemy statements), and the health check then believes
    only a probe write. Here the disk has room, so the probe succeeds and health is ok again."""
    engine = make_engine(empty_postgres_url)  # a database of its own: the trigger goes with it
    await upgrade_schema(engine)
    async with SqlUnitOfWork(engine) as uow:
        alice = await uow.users.add(new_user("alice"))
        group = await uow.conversations.add(new_conversation(alice))
        await uow.commit()
    async with engine.begin() as connection:
        for statement in _REFUSE_FOR_LACK_OF_SPACE:
            await connection.execute(text(statement))
    watch = DiskFullWatch(engine)
    log = SqlMessageLog(engine, disk=watch)
    health = SqlHealthProbe(engine, disk=watch)
    assert await health.database_ok() and not watch.full
    try:
        with pytest.raises(StorageUnavailable):
            await log.append(draft(alice, "no room", conversation=group if in_conversation else None))
        assert watch.full
        assert await count_messages(engine) == 0

        assert await health.database_ok()  # the probe write found room
        assert not watch.full
    finally:
        await log.aclose()
        await engine.dispose()
