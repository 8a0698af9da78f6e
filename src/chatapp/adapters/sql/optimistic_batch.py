"""PostgreSQL's first try at a sequenced batch: four round trips, on the driver's connection.

It assumes that no draft is stored yet (the common case: a client id is resent only after a lost
answer). In one transaction:

1. BEGIN;
2. lock the batch's conversations (`FOR UPDATE`, in id order) and read their `last_seq`, and draw an
   id for each draft from the table's identity sequence, in one statement;
3. number the drafts from there, build the NOTIFY payload (it names ids and seqs, both known now),
   then insert the rows, raise `last_seq` and send the payload, in one statement;
4. COMMIT.

If ON CONFLICT skipped any draft (its client id or document_id is stored), the transaction rolls back
whole, its notification with it, and `LostRace` tells the caller to take the careful path, which
looks stored rows up before it numbers anything. An id drawn by a rolled-back try is never used.
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncConnection

from chatapp.adapters.sql.notify import EVENTS_CHANNEL, Notify
from chatapp.adapters.sql.pooled_connection import pooled_connection
from chatapp.domain.chat_message import ChatMessage, NewChatMessage
from chatapp.domain.errors import NotFound
from chatapp.domain.events import MessagePosted


class LostRace(Exception):
    """ON CONFLICT skipped a draft: it (or its client id) is stored already, or its seq would leave a gap."""


_LOCK_AND_DRAW_IDS = """
WITH locked AS (
    SELECT id, last_seq FROM conversations WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE
)
SELECT id, last_seq FROM locked
UNION ALL
SELECT NULL, nextval(pg_get_serial_sequence('chat_sessions', 'id')) FROM generate_series(1, $2::int)
"""

# Data-modifying CTEs run once and to completion whether or not the query reads them; `last_seq` is
# raised to each conversation's highest seq in the batch, and `last_message_at` set to that message's time.
_INSERT_AND_RAISE = """
WITH batch AS (
    SELECT * FROM json_to_recordset($1::json) AS batch(
        id bigint, document_id varchar, user_id bigint, message text, kind varchar, client_id varchar,
        timestamp timestamptz, conversation_id bigint, seq int
    )
),
inserted AS (
    insert into chat_sessions
        (id, document_id, user_id, message, kind, client_id, timestamp, created_at, updated_at,
         published_at, conversation_id, seq)
    SELECT id, document_id, user_id, message, kind, client_id, timestamp, timestamp, timestamp,
           timestamp, conversation_id, seq
    FROM batch
    ON CONFLICT DO NOTHING
    RETURNING 1
),
raised AS (
    UPDATE conversations SET last_seq = top.seq, last_message_at = top.timestamp
    FROM (
        SELECT DISTINCT ON (conversation_id) conversation_id, seq, timestamp FROM batch
        WHERE seq IS NOT NULL ORDER BY conversation_id, seq DESC
    ) AS top
    WHERE conversations.id = top.conversation_id
)
SELECT (SELECT count(*) FROM inserted)
"""
_INSERT_RAISE_AND_NOTIFY = _INSERT_AND_RAISE.rstrip() + ", pg_notify($2, $3)\n"

_to_json = msgspec.json.Encoder().encode


async def store_optimistically(
    connection: AsyncConnection, drafts: list[NewChatMessage], notify: Notify | None
) -> list[ChatMessage]:
    """One row per draft (a client id repeated within the batch answers with the first's row)."""
    driver = (await pooled_connection(connection)).driver_connection
    assert driver is not None  # a pooled connection that is checked out has one
    conversation_ids = sorted({d.conversation_id for d in drafts if d.conversation_id is not None})
    async with driver.transaction():
        rows = await driver.fetch(_LOCK_AND_DRAW_IDS, conversation_ids, len(drafts))
        last_seqs = {row[0]: row[1] for row in rows if row[0] is not None}
        if len(last_seqs) != len(conversation_ids):
            raise NotFound("Conversation not found")
        ids = iter([row[1] for row in rows if row[0] is None])

        stored: dict[str, ChatMessage] = {}
        by_client: dict[tuple[int, str | None], ChatMessage] = {}
        values: list[dict[str, Any]] = []
        for draft in drafts:
            key = (draft.user_id, draft.client_id)
            if draft.client_id is not None and key in by_client:
                continue  # a draft before it in this batch has the same client id
            seq = None
            if draft.conversation_id is not None:
                seq = last_seqs[draft.conversation_id] = last_seqs[draft.conversation_id] + 1
            message = stored[draft.document_id] = draft.stored_as(next(ids), seq)
            if draft.client_id is not None:
                by_client[key] = message
            values.append(_row(message))

        posted = [
            MessagePosted(message=m, recipients=d.recipients)
            for d in drafts
            if (m := stored.get(d.document_id)) is not None and m.seq is not None
        ]
        payload = notify(posted) if notify is not None and posted else None
        batch = _to_json(values).decode()
        if payload is None:
            inserted = await driver.fetchval(_INSERT_AND_RAISE, batch)
        else:
            inserted = await driver.fetchval(_INSERT_RAISE_AND_NOTIFY, batch, EVENTS_CHANNEL, payload)
        if inserted != len(values):
            raise LostRace  # leaving the block rolls back the rows, last_seq and the notification
    return [stored.get(d.document_id) or by_client[(d.user_id, d.client_id)] for d in drafts]


def _row(message: ChatMessage) -> dict[str, Any]:
    return {
        "id": message.id,
        "document_id": message.document_id,
        "user_id": message.user_id,
        "message": message.message,
        "kind": message.kind.value,
        "client_id": message.client_id,
        "timestamp": message.timestamp,
        "conversation_id": message.conversation_id,
        "seq": message.seq,
    }
