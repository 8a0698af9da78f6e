from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from typing import NamedTuple

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from chatapp.adapters.sql.batch_insert import INSERTERS
from chatapp.adapters.sql.database import DEADLINE_SECONDS
from chatapp.adapters.sql.disk_space import DiskFullWatch
from chatapp.adapters.sql.errors import is_connection_failure, is_lost_connection, is_refusal
from chatapp.adapters.sql.notify import Notify
from chatapp.adapters.sql.sequenced_batch import store_sequenced
from chatapp.adapters.sql.stored_drafts import StoredRows, read_stored
from chatapp.application.ports.persistence import MessageLog
from chatapp.domain.chat_message import ChatMessage, NewChatMessage
from chatapp.domain.errors import DomainError, StorageRejected, StorageUnavailable

logger = logging.getLogger(__name__)

# SQLite lets one transaction write at a time; on PostgreSQL a second writer prepares and sends
# the next batch while the first one waits for its commit.
_WRITERS = {"postgresql": 2, "sqlite": 1}
_SWEEP_SECONDS = 0.5
# How often a batch whose connection broke under it is sent again on a new one (each within the
# callers' deadline): a single lost COMMIT answer is the common case, two in a row are rare.
_RESENDS = 3


class _Pending(NamedTuple):
    draft: NewChatMessage
    future: asyncio.Future[ChatMessage]


async def _discard(connection: AsyncConnection | None) -> None:
    """Drop a connection that failed (or may be in an unknown state) without raising."""
    if connection is None:
        return
    with contextlib.suppress(Exception):
        await connection.invalidate()
    with contextlib.suppress(Exception):
        await connection.close()


def _domain_error(cause: BaseException) -> DomainError:
    """What the caller is told: a broken rule as such (an unknown conversation), a statement the
    database refuses as rejected (never worth a retry), anything else as unavailable (retry)."""
    if isinstance(cause, DomainError):
        return cause
    error = StorageRejected() if is_refusal(cause) else StorageUnavailable()
    error.__cause__ = cause
    return error


class SqlMessageLog(MessageLog):
    """Group commit: writer tasks each store everything queued so far in one transaction.

    Under load the messages of many connections share one commit (one fsync); alone, a message
    is written at once. Every append() resolves only after its batch committed.

    Conversation messages get their seq in the inserting transaction (see sequenced_batch). On
    PostgreSQL, `notify` (if given) turns the messages a batch stored into a payload that the same
    transaction sends with pg_notify on EVENTS_CHANNEL, so listeners hear of them only once committed.
    A batch of personal messages only stays one statement (see batch_insert) and announces nothing:
    personal messages are live only on the process that stored them.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        max_batch: int = 500,
        writers: int | None = None,
        notify: Notify | None = None,
        deadline: float = DEADLINE_SECONDS,
        disk: DiskFullWatch | None = None,
    ) -> None:
        self._engine = engine
        self._disk = disk  # told of the failures of the driver calls that bypass the engine's events
        self._deadline = deadline
        # (when it is due, its future) per append, oldest first: an append waits for a writer and then
        # for its statement, and together that may not exceed the deadline. One timer sweeps them.
        self._due: deque[tuple[float, asyncio.Future[ChatMessage]]] = deque()
        self._sweeper: asyncio.TimerHandle | None = None
        self._notify = notify if engine.dialect.name == "postgresql" else None  # SQLite: one process
        self._max_batch = max_batch
        self._writer_count = writers or _WRITERS[engine.dialect.name]
        self._insert = INSERTERS[engine.dialect.name]
        # A list rather than an asyncio.Queue: a writer takes everything queued in one slice, and
        # an append costs a list append instead of a queue's bookkeeping. An append wakes one idle
        # writer, not all of them.
        self._pending: list[_Pending] = []
        self._idle: deque[asyncio.Future[None]] = deque()
        self._writers: set[asyncio.Task[None]] = set()
        self._closed = False

    async def append(self, draft: NewChatMessage) -> ChatMessage:
        if self._closed:
            raise StorageUnavailable("The message log is shut down")
        loop = asyncio.get_running_loop()
        if len(self._writers) < self._writer_count:
            self._start_writers(loop)
        future: asyncio.Future[ChatMessage] = loop.create_future()
        self._pending.append(_Pending(draft, future))
        self._due.append((loop.time() + self._deadline, future))
        if self._sweeper is None:
            self._sweeper = loop.call_later(_SWEEP_SECONDS, self._sweep)
        if self._idle:
            self._wake(1)
        return await future

    def _sweep(self) -> None:
        """Fail the appends past their deadline: unacknowledged, they may still be stored later."""
        loop = asyncio.get_running_loop()
        now, due, late = loop.time(), self._due, 0
        while due and (due[0][1].done() or due[0][0] <= now):
            _, future = due.popleft()
            if not future.done():
                future.set_exception(StorageUnavailable())
                late += 1
        if late:
            logger.warning("%d chat message(s) not stored within %.0f s: answered unavailable", late, self._deadline)
        self._sweeper = loop.call_later(_SWEEP_SECONDS, self._sweep) if due else None

    async def aclose(self, timeout: float = 1.0) -> None:
        """Store everything already queued, then stop the writers; later appends fail. A writer still
        waiting on the database after `timeout` is cancelled: its messages were never acknowledged."""
        self._closed = True
        self._wake(len(self._idle))
        if self._sweeper is not None:
            self._sweeper.cancel()
            self._sweeper = None
        if not self._writers:
            return
        _, stuck = await asyncio.wait(set(self._writers), timeout=timeout)
        for writer in stuck:
            writer.cancel()
        await asyncio.gather(*stuck, return_exceptions=True)

    def _wake(self, writers: int) -> None:
        while writers and self._idle:
            woken = self._idle.popleft()
            if not woken.done():  # a cancelled writer leaves its future behind
                woken.set_result(None)
                writers -= 1

    def _start_writers(self, loop: asyncio.AbstractEventLoop) -> None:
        """Started by the first append, in the running loop; restarted if something cancelled one."""
        while len(self._writers) < self._writer_count:
            writer = loop.create_task(self._write_forever())
            self._writers.add(writer)
            writer.add_done_callback(self._writers.discard)

    async def _write_forever(self) -> None:
        # Each writer keeps its connection between batches: checking one out per batch, with the
        # pool's ping and reset round trips, cost more than the insert itself.
        connection: AsyncConnection | None = None
        try:
            while batch := await self._next_batch():
                connection = await self._write(connection, batch)
        except BaseException:
            await _discard(connection)
            raise
        if connection is not None:  # a healthy connection goes back to the pool
            with contextlib.suppress(Exception):
                await connection.close()

    async def _next_batch(self) -> list[_Pending]:
        """Everything queued (up to max_batch), waiting for the first; empty once closed and drained."""
        while not self._pending:
            if self._closed:
                return []
            woken = asyncio.get_running_loop().create_future()
            self._idle.append(woken)
            await woken
        batch = self._pending[: self._max_batch]
        del self._pending[: self._max_batch]
        return batch

    async def _write(
        self, connection: AsyncConnection | None, batch: list[_Pending], resends: int = _RESENDS
    ) -> AsyncConnection | None:
        """Store the batch and settle its futures; returns the connection to keep (None after a failure)."""
        connected = False
        try:
            if connection is None:
                connection = await self._engine.connect()
            connected = True
            messages = await self._store(connection, [item.draft for item in batch])
        except asyncio.CancelledError as exc:
            self._fail(batch, exc)
            await _discard(connection)  # mid-statement: its state is unknown, it must not go back to the pool
            raise
        except Exception as exc:  # noqa: BLE001 - the writer must outlive every failure
            await _discard(connection)
            if self._disk is not None:
                self._disk.note(exc)
            if is_connection_failure(exc):
                # The connection broke under a statement: a kept one may have died while idle (a
                # database restart), or the COMMIT went through and only its answer was lost. The same
                # drafts go again on a new connection, where each finds its own row if it was stored.
                # Not retried: a failure to connect (the database is down), a statement past its
                # deadline (its callers have waited long enough), the server's own refusal for lack
                # of resources (a full disk: nothing was stored), callers that all gave up waiting.
                waited_for = not all(item.future.done() for item in batch)
                if connected and resends and waited_for and is_lost_connection(exc):
                    return await self._write(None, batch, resends - 1)
                self._fail(batch, exc)
                return None
            if len(batch) > 1:  # one bad draft must not fail its neighbours: store each on its own
                connection = None
                for item in batch:
                    connection = await self._write(connection, [item])
                return connection
            self._fail(batch, exc)
            return None
        for item, message in zip(batch, messages, strict=True):
            if not item.future.done():  # the caller may have given up waiting
                item.future.set_result(message)
        return connection

    @staticmethod
    def _fail(batch: list[_Pending], cause: BaseException) -> None:
        if not isinstance(cause, asyncio.CancelledError):
            logger.warning("Could not store %d chat message(s): %r", len(batch), cause)
        for item in batch:
            if not item.future.done():
                item.future.set_exception(_domain_error(cause))

    async def _store(self, connection: AsyncConnection, drafts: list[NewChatMessage]) -> list[ChatMessage]:
        """Insert and commit, then read back the drafts that were already stored: by their own
        document_id (this very batch, retried after a commit whose answer was lost) or by clientId
        (an earlier append of the same message)."""
        if any(d.conversation_id is not None for d in drafts):
            return await store_sequenced(connection, drafts, self._notify)
        new_ids = await self._insert(connection, drafts)
        stored = [d for d in drafts if d.document_id not in new_ids]
        if not stored:
            return [d.stored_as(new_ids[d.document_id]) for d in drafts]
        keys = {(d.user_id, d.client_id) for d in stored if d.client_id is not None}
        async with connection.begin():
            earlier = StoredRows(await read_stored(connection, keys, {d.document_id for d in stored}))
        return [
            d.stored_as(new_ids[d.document_id]) if d.document_id in new_ids else earlier.row_of(d)
            for d in drafts
        ]
