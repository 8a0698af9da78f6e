"""The connection pool serves waiting checkouts in turn: no request can cut in ahead of one waiting.

The pool is driven as SQLAlchemy's async engine drives it, inside greenlet_spawn, with stand-in
DBAPI connections: what is under test is who gets a returned connection, not the database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import greenlet_spawn

from chatapp.adapters.sql.database import make_engine
from chatapp.adapters.sql.fair_pool import FairAsyncQueuePool, FairQueue


class StandInConnection:
    """What the pool asks of a DBAPI connection: a rollback when it comes back, a close at the end."""

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        pass


def a_pool(*, timeout: float = 5.0) -> FairAsyncQueuePool:
    return FairAsyncQueuePool(StandInConnection, pool_size=1, max_overflow=0, timeout=timeout)


def queue_of(pool: FairAsyncQueuePool) -> FairQueue[Any]:
    queue = pool._pool  # SQLAlchemy's name for the pool's queue
    assert isinstance(queue, FairQueue)
    return queue


async def check_out(pool: FairAsyncQueuePool) -> PoolProxiedConnection:
    return await greenlet_spawn(pool.connect)


async def check_in(connection: PoolProxiedConnection) -> None:
    await greenlet_spawn(connection.close)


async def until(condition: Callable[[], bool]) -> None:
    """Let other tasks run until `condition` holds: each pass is one turn of the event loop."""
    for _ in range(1_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


@pytest.fixture
async def pool() -> AsyncIterator[FairAsyncQueuePool]:
    made = a_pool()
    yield made
    made.dispose()


async def test_a_returned_connection_goes_to_the_waiting_checkout_not_to_a_newcomer(
    pool: FairAsyncQueuePool,
) -> None:
    served: list[str] = []
    held = await check_out(pool)

    async def waiting_request() -> None:
        connection = await check_out(pool)
        served.append("waiting")
        await check_in(connection)

    waiting = asyncio.create_task(waiting_request())
    await until(lambda: queue_of(pool).waiting == 1)
    await check_in(held)
    # In the same turn of the loop, before the waiting request has run: asyncio.Queue's pool
    # handed this newcomer the connection just returned, and the waiting request queued again.
    newcomer = await check_out(pool)
    served.append("newcomer")
    await check_in(newcomer)
    await waiting

    assert served == ["waiting", "newcomer"]


async def test_waiting_checkouts_are_served_in_the_order_they_came(pool: FairAsyncQueuePool) -> None:
    served: list[int] = []
    held = await check_out(pool)

    async def request(number: int) -> None:
        connection = await check_out(pool)
        served.append(number)
        await check_in(connection)

    requests = []
    for number in range(5):
        requests.append(asyncio.create_task(request(number)))
        await until(lambda waiting=number + 1: queue_of(pool).waiting == waiting)
    await check_in(held)
    await asyncio.gather(*requests)

    assert served == [0, 1, 2, 3, 4]
    assert queue_of(pool).waiting == 0


async def test_a_checkout_that_times_out_leaves_the_line_and_gets_nothing() -> None:
    pool = a_pool(timeout=0.05)
    held = await check_out(pool)

    with pytest.raises(PoolTimeout):
        await check_out(pool)
    assert queue_of(pool).waiting == 0
    await check_in(held)

    assert queue_of(pool).qsize() == 1  # idle, not handed to the checkout that gave up
    await check_in(await check_out(pool))
    pool.dispose()


async def test_a_connection_handed_to_a_cancelled_checkout_goes_to_the_next_one(
    pool: FairAsyncQueuePool,
) -> None:
    held = await check_out(pool)
    cancelled = asyncio.create_task(check_out(pool))
    await until(lambda: queue_of(pool).waiting == 1)
    after = asyncio.create_task(check_out(pool))
    await until(lambda: queue_of(pool).waiting == 2)

    await check_in(held)  # handed to the first checkout, which has not run since...
    cancelled.cancel()  # ...and is cancelled before it does
    connection = await asyncio.wait_for(after, timeout=5)

    assert cancelled.cancelled()
    assert pool.checkedout() == 1  # the one connection, held by `after`: none was lost
    await check_in(connection)


async def test_a_checkout_cancelled_while_waiting_is_passed_over(pool: FairAsyncQueuePool) -> None:
    held = await check_out(pool)
    cancelled = asyncio.create_task(check_out(pool))
    await until(lambda: queue_of(pool).waiting == 1)
    cancelled.cancel()
    await until(cancelled.done)

    assert queue_of(pool).waiting == 0
    await check_in(held)
    assert queue_of(pool).qsize() == 1


async def test_the_engines_use_the_fair_pool(sql_url: str) -> None:
    engine = make_engine(sql_url)
    try:
        assert isinstance(engine.sync_engine.pool, FairAsyncQueuePool)
        async with engine.connect() as connection:  # and it serves connections
            await connection.exec_driver_sql("SELECT 1")
    finally:
        await engine.dispose()
