"""Idempotent multi-row inserts of chat messages, one committed transaction per batch.

Each inserter returns {document_id: id} for the rows it stored; a draft whose (user_id, client_id)
or whose document_id was already stored (a retry of a batch whose commit succeeded but whose answer
was lost) is skipped by ON CONFLICT DO NOTHING and left for the caller to read back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

from chatapp.adapters.sql.models import CHAT_MESSAGES
from chatapp.adapters.sql.pooled_connection import pooled_connection
from chatapp.domain.chat_message import NewChatMessage

BatchInserter = Callable[[AsyncConnection, list[NewChatMessage]], Awaitable[dict[str, int]]]

_table = CHAT_MESSAGES

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
    driver = (await pooled_connection(connection)).driver_connection
    assert driver is not None  # a pooled connection that is checked out has one
    # Outside a transaction block one statement is its own transaction, committed (WAL flushed)
    # before PostgreSQL replies: one round trip per batch instead of BEGIN, INSERT and COMMIT.
    if driver.is_in_transaction():
        raise RuntimeError("a batch insert must commit on its own, not inside an open transaction")
    rows = await driver.fetch(_JSON_INSERT, _to_json(drafts).decode())
    return {row["document_id"]: row["id"] for row in rows}


_to_json = msgspec.json.Encoder().encode

# SQLite: the same idea, one statement per batch over json_each (SQLite 3.38+ for ->>). Each draft is
# a JSON array (see _sqlite_batch); `WHERE true` lets SQLite parse ON CONFLICT after a SELECT.
_SQLITE_JSON_INSERT = """
INSERT INTO chat_sessions
    (document_id, user_id, message, kind, client_id, timestamp, created_at, updated_at, published_at)
SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4,
       value ->> 5, value ->> 5, value ->> 5, value ->> 5
FROM json_each(?) WHERE true
ON CONFLICT DO NOTHING
RETURNING id, document_id
"""


def row_values(draft: NewChatMessage, seq: int | None = None) -> dict[str, Any]:
    """The chat_sessions row of a draft (created, updated and published when it was sent)."""
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
        "conversation_id": draft.conversation_id,
        "seq": seq,
    }


def sqlite_time(moment: datetime) -> str:
    """A datetime as SQLAlchemy stores DateTimeUTC on SQLite: naive UTC, always with microseconds
    (listings sort these strings, so every writer must spell them the same)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.isoformat(" ", "microseconds")


def _sqlite_batch(drafts: list[NewChatMessage]) -> bytes:
    return _to_json(
        [(d.document_id, d.user_id, d.message, d.kind.value, d.client_id, sqlite_time(d.timestamp)) for d in drafts]
    )


def _insert_and_commit(connection: sqlite3.Connection, payload: bytes) -> list[tuple[int, str]]:
    """In aiosqlite's thread: the statement, its rows and the commit in one hop to that thread."""
    try:
        rows = connection.execute(_SQLITE_JSON_INSERT, (payload.decode(),)).fetchall()
        connection.commit()
    except BaseException:
        connection.rollback()
        raise
    return rows


async def insert_from_sqlite_json(connection: AsyncConnection, drafts: list[NewChatMessage]) -> dict[str, int]:
    """No SQLAlchemy on the way: the batch goes to aiosqlite's connection as it is, and the insert,
    its RETURNING rows and the commit run in one call in aiosqlite's worker thread, where three
    awaited calls (execute, fetchall, commit) each paid a round trip to that thread."""
    driver = (await pooled_connection(connection)).driver_connection
    assert driver is not None  # a pooled connection that is checked out has one
    if driver.in_transaction:
        raise RuntimeError("a batch insert must commit on its own, not inside an open transaction")
    payload = _sqlite_batch(drafts)
    rows = await driver._execute(_insert_and_commit, driver._conn, payload)  # private: see above
    return {document_id: row_id for row_id, document_id in rows}


INSERTERS: dict[str, BatchInserter] = {"postgresql": insert_from_json, "sqlite": insert_from_sqlite_json}
