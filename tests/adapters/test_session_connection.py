"""SessionConnection: the session's own connection, asked for once per transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import insert, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from chatapp.adapters.sql.database import make_engine, make_session_factory
from chatapp.adapters.sql.models import UserRow
from chatapp.adapters.sql.session_connection import SessionConnection
from tests.adapters.factories import ALICE_ROW

_users = UserRow.__table__


@pytest.fixture
async def session(sql_url: str) -> AsyncIterator[AsyncSession]:
    engine = make_engine(sql_url)
    async with make_session_factory(engine)() as session:
        yield session
    await engine.dispose()


async def test_within_a_transaction_it_is_the_sessions_connection_and_sees_its_writes(
    session: AsyncSession,
) -> None:
    connection = SessionConnection(session)
    first = await connection()
    await session.execute(insert(_users).values(ALICE_ROW))

    assert await connection() is first is await session.connection()
    assert (await first.execute(select(_users.c.username))).scalars().all() == ["alice"]


@pytest.mark.parametrize("ending", ["commit", "rollback"])
async def test_after_the_transaction_ends_it_is_the_next_transactions_connection(
    session: AsyncSession, ending: str
) -> None:
    connection = SessionConnection(session)
    first = await connection()
    await getattr(session, ending)()

    second = await connection()

    assert second is not first and first.closed
    assert second is await session.connection()
    assert (await second.execute(select(literal(1)))).scalar_one() == 1
