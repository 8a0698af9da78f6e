"""A connection pool that serves waiting requests in the order they came.

SQLAlchemy's AsyncAdaptedQueuePool keeps its idle connections in an asyncio.Queue, and a checkout
first takes one without waiting if one is there. A returned connection wakes the oldest waiter, but
until that waiter runs, the connection sits in the queue, where the next request to arrive takes
it; the woken waiter finds the queue empty and queues again, at the back. Under a steady load above
the pool size, a request can lose that race for the whole pool timeout and fail although the pool
turns over every millisecond: 32 closed loops of `GET /api/conversations` on 20 connections got 1 to
3 answers of 503 in 20,000 requests (bench/README, "a fair pool"; SQLAlchemy issue 7679 is the same
race in the threaded QueuePool).

Here a returned connection is handed to the oldest waiter directly, and a checkout only takes an
idle connection when nobody is waiting, so no request can cut in.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Generic, TypeVar

from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from sqlalchemy.util import await_
from sqlalchemy.util.queue import Empty, Full, QueueCommon

T = TypeVar("T")


class FairQueue(QueueCommon[T], Generic[T]):
    """The pool's idle connections, and the checkouts waiting for one, served first come first served."""

    def __init__(self, maxsize: int = 0, use_lifo: bool = False) -> None:
        self.maxsize = maxsize
        self.use_lifo = use_lifo
        self._idle: deque[T] = deque()
        self._waiters: deque[asyncio.Future[T]] = deque()

    def empty(self) -> bool:
        return not self._idle

    def full(self) -> bool:
        return 0 < self.maxsize <= len(self._idle)

    def qsize(self) -> int:
        return len(self._idle)

    @property
    def waiting(self) -> int:
        """Checkouts waiting for a connection."""
        return len(self._waiters)

    def put_nowait(self, item: T) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():  # cancelled with its request, and not yet out of the line
                waiter.set_result(item)
                return
        if self.full():
            raise Full()
        self._idle.append(item)

    def put(self, item: T, block: bool = True, timeout: float | None = None) -> None:
        self.put_nowait(item)  # the pool never holds more than maxsize: a put never has to wait

    def get_nowait(self) -> T:
        if not self._idle:
            raise Empty()
        return self._idle.pop() if self.use_lifo else self._idle.popleft()

    def get(self, block: bool = True, timeout: float | None = None) -> T:
        if self._idle:  # only while nobody waits: put_nowait hands a connection to a waiter first
            return self.get_nowait()
        if not block:
            raise Empty()
        return await_(self._wait(timeout))  # the pool calls this inside SQLAlchemy's greenlet

    async def _wait(self, timeout: float | None) -> T:
        waiter: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                return await waiter
        except BaseException as exc:  # timed out, or the request was cancelled
            if waiter.done() and not waiter.cancelled():
                self.put_nowait(waiter.result())  # handed over just as this checkout gave up: pass it on
            elif waiter in self._waiters:  # still in the line: get() must not count it as waiting
                self._waiters.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise Empty() from None
            raise


class FairAsyncQueuePool(AsyncAdaptedQueuePool):
    """AsyncAdaptedQueuePool with the FairQueue above: its sizes, timeout and events are the same."""

    _queue_class = FairQueue[ConnectionPoolEntry]
