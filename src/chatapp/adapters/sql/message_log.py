from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from chatapp.adapters.sql.errors import UNAVAILABLE, is_connection_failure
from chatapp.adapters.sql.messages import SELECT_MESSAGES, to_message
from chatapp.adapters.sql.models import ChatMessageRow
from chatapp.application.ports.persistence import MessageLog
from chatapp.domain.chat_message import ChatMessage, NewChatMessage
from chatapp.domain.errors import StorageUnavailable

logger = logging.getLogger(__name__)

_table = ChatMessageRow.__table__
_DIALECT_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
# SQLite lets one transaction write at a time; on PostgreSQL a second writer prepares and sends
# the next batch while the first one waits for its commit.
_WRITERS = {"postgresql": 2, "sqlite": 1}


@dataclass(slots=True)
class _Pending:
    draft: NewChatMessage
    future: asyncio.Future[ChatMessage]


def _insert_statement(dialect: str) -> Insert:
    # Idempotent retries: a (user_id, client_id) already stored is skipped and read back instead.
    return (
        _DIALECT_INSERTS[dialect](_table)
        .on_conflict_do_nothing(index_elements=["user_id", "client_id"])
        .returning(_table.c.id, _table.c.document_id)
    )


def _row_values(draft: NewChatMessage) -> dict[str, Any]:
    return {
        "document_id": draft.document_id,
        "user_id": draft.user_id,
        "message": draft.message,
        "kind": draft.kind.value,
        "client_id": draft.client_id,
        "timestamp": draft.timestamp,
        "created_at": draft.timestamp,
        "updated_at": draft.timestamp,
        "published_at": draft.timestamp,
    }


def _unavailable(cause: BaseException) -> StorageUnavailable:
    error = StorageUnavailable(UNAVAILABLE)
    error.__cause__ = cause
    return error


class SqlMessageLog(MessageLog):
    """Group commit: writer tasks each store everything queued so far in one transaction.

    Under load the messages of many connections share one commit (one fsync); alone, a message
    is written at once. Every append() resolves only after its batch committed.
    """

    def __init__(self, engine: AsyncEngine, *, max_batch: int = 500, writers: int | None = None) -> None:
        self._engine = engine
        self._max_batch = max_batch
        self._writer_count = writers or _WRITERS[engine.dialect.name]
        self._insert = _insert_statement(engine.dialect.name)
        self._queue: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._writers: list[asyncio.Task[None]] = []
        self._closed = False

    async def append(self, draft: NewChatMessage) -> ChatMessage:
        if self._closed:
            raise StorageUnavailable("The message log is shut down")
        loop = asyncio.get_running_loop()
        # Started here, in the running loop; restarted if something cancelled them.
        self._writers = [writer for writer in self._writers if not writer.done()]
        while len(self._writers) < self._writer_count:
            self._writers.append(loop.create_task(self._write_forever()))
        future: asyncio.Future[ChatMessage] = loop.create_future()
        self._queue.put_nowait(_Pending(draft, future))
        return await future

    async def aclose(self) -> None:
        """Store everything already queued, then stop the writers; later appends fail."""
        self._closed = True
        writers = [writer for writer in self._writers if not writer.done()]
        for _ in writers:
            self._queue.put_nowait(None)  # one stop sign per writer, behind every pending draft
        await asyncio.gather(*writers)

    async def _write_forever(self) -> None:
        while True:
            item = await self._queue.get()
            batch: list[_Pending] = []
            while item is not None:
                batch.append(item)
                if len(batch) == self._max_batch or self._queue.empty():
                    break
                item = self._queue.get_nowait()
            if batch:
                await self._write(batch)
            if item is None:
                return

    async def _write(self, batch: list[_Pending]) -> None:
        try:
            async with self._engine.begin() as connection:
                messages = await self._store(connection, [item.draft for item in batch])
        except asyncio.CancelledError as exc:
            self._fail(batch, exc)
            raise
        except Exception as exc:  # noqa: BLE001 - the writer must outlive every failure
            if len(batch) > 1 and not is_connection_failure(exc):
                # One bad draft must not fail its neighbours: store each on its own.
                for item in batch:
                    await self._write([item])
                return
            logger.warning("Could not store %d chat message(s): %r", len(batch), exc)
            self._fail(batch, exc)
            return
        for item, message in zip(batch, messages, strict=True):
            if not item.future.done():  # the caller may have given up waiting
                item.future.set_result(message)

    @staticmethod
    def _fail(batch: list[_Pending], cause: BaseException) -> None:
        for item in batch:
            if not item.future.done():
                item.future.set_exception(_unavailable(cause))

    async def _store(self, connection: AsyncConnection, drafts: list[NewChatMessage]) -> list[ChatMessage]:
        inserted = await connection.execute(self._insert, [_row_values(draft) for draft in drafts])
        new_ids = {row.document_id: row.id for row in inserted}
        retried = {(d.user_id, d.client_id) for d in drafts if d.document_id not in new_ids}
        earlier: dict[tuple[int, str | None], ChatMessage] = {}
        if retried:
            rows = await connection.execute(
                SELECT_MESSAGES.where(tuple_(_table.c.user_id, _table.c.client_id).in_(retried))
            )
            earlier = {(row.user_id, row.client_id): to_message(row) for row in rows}
        return [
            d.stored_as(new_ids[d.document_id]) if d.document_id in new_ids else earlier[(d.user_id, d.client_id)]
            for d in drafts
        ]
