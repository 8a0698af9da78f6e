"""Idempotent multi-row inserts of chat messages, one committed transaction per batch.

Each inserter returns {document_id: id} for the rows it stored; a draft whose (user_id, client_id)
or whose document_id was already stored (a retry of a batch whose commit succeeded but whose answer
was lost) is skipped by ON CONFLICT DO NOTHING and left for the caller to read back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from sqlalchemy import Insert
from sqlalchemy.dialects import sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from chatapp.adapters.sql.models import ChatMessageRow
from chatapp.domain.chat_message import NewChatMessage

BatchInserter = Callable[[AsyncConnection, list[NewChatMessage]], Awaitable[dict[str, int]]]

_table = ChatMessageRow.__table__

# PostgreSQL: one statement whatever the batch size, the drafts sent as one JSON document. msgspec
# writes it in C; asyncpg's per-element array encoding cost 2 µs more per row on this, the hottest
# path, and PostgreSQL parses the JSON for ~1.4 µs per row on its own cores. The record's columns
# are NewChatMessage's field names (the others, username and user_document_id, are ignored).
_JSON_INSERT = """
INSERT INTO chat_sessions
    (document_id, user_id, message, kind, client_id, timestamp, created_at, updated_at, published_at)
SELECT document_id, user_id, message, kind, client_id, timestamp, timestamp, timestamp, timestamp
FROM json_to_recordset($1::json) AS batch(
    document_id varchar, user_id bigint, message text, kind varchar, client_id varchar, timestamp timestamptz
)
ON CONFLICT DO NOTHING
RETURNING id, document_id
"""


async def insert_from_json(connection: AsyncConnection, drafts: list[NewChatMessage]) -> dict[str, int]:
    driver = (await connection.get_raw_connection()).driver_connection
    # Outside a transaction block one statement is its own transaction, committed (WAL flushed)
    # before PostgreSQL replies: one round trip per batch instead of BEGIN, INSERT and COMMIT.
    if driver.is_in_transaction():
        raise RuntimeError("a batch insert must commit on its own, not inside an open transaction")
    rows = await driver.fetch(_JSON_INSERT, _to_json(drafts).decode())
    return {row["document_id"]: row["id"] for row in rows}


_to_json = msgspec.json.Encoder().encode

_SQLITE_INSERT: Insert = (
    sqlite.insert(_table)
    .on_conflict_do_nothing()
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


async def insert_with_core(connection: AsyncConnection, drafts: list[NewChatMessage]) -> dict[str, int]:
    async with connection.begin():
        rows = await connection.execute(_SQLITE_INSERT, [_row_values(draft) for draft in drafts])
        return {row.document_id: row.id for row in rows}


INSERTERS: dict[str, BatchInserter] = {"postgresql": insert_from_json, "sqlite": insert_with_core}
