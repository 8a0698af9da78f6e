"""driver_reads.fetch_all: the same rows whichever way a statement goes, every read of a transaction
inside it, and a connection lost under a driver read not handed out again."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import BigInteger, bindparam, func, insert, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.expression import any_

from chatapp.adapters.sql.database import make_engine, reading_only
from chatapp.adapters.sql.driver_reads import fetch_all
from chatapp.adapters.sql.models import UserRow
from chatapp.adapters.sql.pooled_connection import pooled_connection
from chatapp.adapters.sql.unit_of_work import SqlReadOnlyUnitOfWork
from chatapp.domain.errors import StorageUnavailable
from tests.adapters.factories import ALICE_ROW, T0
from tests.adapters.test_sql_resilience import terminate_other_connections

_users = UserRow.__table__
# A bound parameter, a value written into the statement (the 0) and a timestamp, read by position.
_NAMED = select(
    _users.c.username,
    func.coalesce(select(_users.c.id).where(_users.c.id == -1).scalar_subquery(), literal(0)),
    _users.c.created_at,
).where(_users.c.username == bindparam("name"))


@pytest.fixture
async def engine(sql_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(sql_url)
    yield engine
    await engine.dispose()


async def test_a_read_outside_a_transaction_gives_the_rows_by_position(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.execute(insert(_users).values(ALICE_ROW))

    async with reading_only(engine).connect() as connection:
        [row] = await fetch_all(connection, _NAMED, {"name": "alice"})
        assert await fetch_all(connection, _NAMED, {"name": "bob"}) == []

    assert tuple(row) == ("alice", 0, T0)


async def test_a_read_inside_a_transaction_sees_its_uncommitted_writes(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(insert(_users).values(ALICE_ROW))

        assert [tuple(row) for row in await fetch_all(connection, _NAMED, {"name": "alice"})] == [
            ("alice", 0, T0)
        ]
        await connection.rollback()

    async with reading_only(engine).connect() as connection:
        assert await fetch_all(connection, _NAMED, {"name": "alice"}) == []


async def test_the_pooled_connection_is_read_off_a_live_connection_and_renewed_after_an_invalidation(
    engine: AsyncEngine,
) -> None:
    async with reading_only(engine).connect() as connection:
        live = await pooled_connection(connection)
        assert live is await connection.get_raw_connection()

        await connection.invalidate()
        renewed = await pooled_connection(connection)  # reconnects, as get_raw_connection would

        assert renewed is not live and renewed.is_valid
        assert [tuple(row) for row in await fetch_all(connection, select(literal(1)), {})] == [(1,)]


@pytest.mark.postgres
async def test_a_transactions_first_read_is_inside_the_transaction(clean_postgres_url: str) -> None:
    """now() is the transaction's start: the same for every statement of one transaction."""
    engine, started = make_engine(clean_postgres_url), select(func.now())
    async with engine.connect() as connection:
        [(first,)] = await fetch_all(connection, started, {})
        await connection.execute(select(func.pg_sleep(0.001)))
        assert (await connection.execute(started)).scalar_one() == first
        await connection.rollback()
    await engine.dispose()


@pytest.mark.postgres
async def test_connections_killed_under_driver_reads_fail_one_read_and_the_pool_is_renewed(
    clean_postgres_url: str,
) -> None:
    """Within the idle threshold (an hour) a pooled connection is not pinged before use, so the
    listing handed a connection PostgreSQL killed meanwhile fails (retryable). As SQLAlchemy does
    on a lost connection, every connection as old is then replaced at its next checkout: the pool's
    other killed connection is not handed out either."""
    engine = make_engine(clean_postgres_url, ping_after_idle=3600.0, pool_size=2)
    read_only = reading_only(engine)

    async def listing() -> int:
        async with SqlReadOnlyUnitOfWork(read_only) as uow:
            return (await uow.conversations.list_for(1, offset=0, limit=25)).total

    async def two_at_once() -> None:  # so that the pool holds two connections
        async with SqlReadOnlyUnitOfWork(read_only), SqlReadOnlyUnitOfWork(read_only) as uow:
            await uow.conversations.list_for(1, offset=0, limit=25)

    await two_at_once()
    await terminate_other_connections(clean_postgres_url)

    with pytest.raises(StorageUnavailable):
        await listing()
    assert [await listing(), await listing()] == [0, 0]
    await engine.dispose()


async def test_a_list_parameter_is_one_array_on_postgres_and_expands_on_sqlite(engine: AsyncEngine) -> None:
    ids = select(_users.c.username).order_by(_users.c.id)
    if engine.dialect.name == "postgresql":
        ids = ids.where(_users.c.id == any_(bindparam("ids", type_=ARRAY(BigInteger))))
    else:
        ids = ids.where(_users.c.id.in_(bindparam("ids", expanding=True)))
    async with engine.begin() as connection:
        await connection.execute(insert(_users).values(ALICE_ROW))
        alice_id = (await connection.execute(select(_users.c.id))).scalar_one()

    async with reading_only(engine).connect() as connection:
        assert [tuple(r) for r in await fetch_all(connection, ids, {"ids": [alice_id, alice_id + 1]})] == [
            ("alice",)
        ]
