"""Batches holding conversation messages: numbered (seq) and announced (NOTIFY) in one transaction each.

Seq N+1 never commits before seq N. A batch first locks the rows of its conversations (PostgreSQL
`SELECT ... FOR UPDATE` in id order, so two writers cannot deadlock; SQLite has one writer at a time,
taken here by a no-op UPDATE), reads their `last_seq`, numbers its new messages from there, inserts
them, raises `last_seq` (with `last_message_at`, the time of that message) and commits: the next
batch touching those conversations waits for the locks.

On PostgreSQL the first try is optimistic (see optimistic_batch): no draft is looked up, and if ON
CONFLICT skips any, that try rolls back and the careful path below follows. The careful path (every
try on SQLite, and PostgreSQL's after a lost race) looks up, once the locks are held, the drafts whose
(user_id, client_id) is already stored: those take no seq. If ON CONFLICT still skips a conversation
message, the batch rolls back and starts again, so no gap is ever committed: either another writer
stored its client id in between (through a conversation this batch did not lock), or the draft itself
is stored, by this very batch whose COMMIT went through but whose answer was lost (the message log then
sends the same drafts again). A try after a skip therefore also looks the drafts up by their
document_id: a draft that finds its own row is answered with it, takes no seq and is not stored twice.

PostgreSQL round trips per batch: four on the optimistic path (BEGIN; the lock with the new rows' ids;
the INSERT with the last_seq UPDATE and pg_notify; COMMIT). On the careful path, after that try's
ROLLBACK: BEGIN, the lock, the look-up, the INSERT, the last_seq UPDATE (if any were numbered),
pg_notify (if announced) and COMMIT.
"""

from __future__ import annotations

from sqlalchemy import Insert, bindparam, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from chatapp.adapters.sql.batch_insert import row_values
from chatapp.adapters.sql.models import CHAT_MESSAGES, CONVERSATIONS
from chatapp.adapters.sql.notify import EVENTS_CHANNEL, Notify
from chatapp.adapters.sql.optimistic_batch import LostRace, store_optimistically
from chatapp.adapters.sql.stored_drafts import StoredRows, read_stored
from chatapp.domain.chat_message import ChatMessage, NewChatMessage
from chatapp.domain.errors import NotFound
from chatapp.domain.events import MessagePosted

_message = CHAT_MESSAGES
_conversation = CONVERSATIONS
ATTEMPTS = 5  # each retry follows a lost race on one client id; a second one in a row is already rare

# ON CONFLICT skips a draft whose client id or document_id is stored. A skipped conversation message
# makes the batch start again (see LostRace): a clash on seq, which only a bug could cause, would
# clash on every attempt and end in an error, never in a silent skip.
_INSERTS: dict[str, Insert] = {
    name: dialect.insert(_message)
    .on_conflict_do_nothing()
    .returning(_message.c.id, _message.c.document_id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_RAISE_LAST_SEQ = (
    update(_conversation)
    .where(_conversation.c.id == bindparam("locked_id"))
    .values(last_seq=bindparam("new_last_seq"), last_message_at=bindparam("posted_at"))
)
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")



async def store_sequenced(
    connection: AsyncConnection, drafts: list[NewChatMessage], notify: Notify | None
) -> list[ChatMessage]:
    """Store the batch in one transaction, numbering conversation messages; returns one row per draft."""
    first = 0
    if connection.dialect.name == "postgresql":
        try:
            return await store_optimistically(connection, drafts, notify)
        except LostRace:
            first = 1
    for attempt in range(first, ATTEMPTS):
        try:
            async with connection.begin():
                return await _store(connection, drafts, notify, by_document=attempt > 0)
        except LostRace:
            continue
    raise RuntimeError(f"client ids kept racing for {ATTEMPTS} attempts")


async def _store(
    connection: AsyncConnection, drafts: list[NewChatMessage], notify: Notify | None, *, by_document: bool
) -> list[ChatMessage]:
    last_seqs = await _lock(connection, sorted({d.conversation_id for d in drafts if d.conversation_id}))
    # Only numbered drafts need to be looked up first; a personal one that was stored before is
    # skipped by ON CONFLICT and read back afterwards, as on the one-statement path.
    numbered_keys = {(d.user_id, d.client_id) for d in drafts if d.client_id and d.conversation_id}
    documents = {d.document_id for d in drafts} if by_document else set()
    earlier = StoredRows(await read_stored(connection, numbered_keys, documents))
    fresh: list[tuple[NewChatMessage, int | None]] = []
    latest: dict[int, NewChatMessage] = {}  # conversation id -> its draft with the highest seq
    claimed = set(earlier.by_client)
    for draft in drafts:
        if draft.document_id in earlier.by_document:
            continue  # this very draft, stored by a commit whose answer was lost
        key = (draft.user_id, draft.client_id)
        if draft.client_id is not None:
            if key in claimed:
                continue  # stored earlier, or by a draft before it in this batch
            claimed.add(key)
        seq = None
        if draft.conversation_id is not None:
            seq = last_seqs[draft.conversation_id] = last_seqs[draft.conversation_id] + 1
            latest[draft.conversation_id] = draft
        fresh.append((draft, seq))

    new_ids = await _insert(connection, fresh)
    if any(d.document_id not in new_ids and d.conversation_id is not None for d, _ in fresh):
        raise LostRace
    if latest:
        raised = [
            {"locked_id": cid, "new_last_seq": last_seqs[cid], "posted_at": draft.timestamp}
            for cid, draft in latest.items()
        ]
        await connection.execute(_RAISE_LAST_SEQ, raised)

    stored = {
        d.document_id: d.stored_as(new_ids[d.document_id], seq)
        for d, seq in fresh
        if d.document_id in new_ids
    }
    # Personal drafts stored before: by another writer (their client id) or by themselves (a retry).
    lost = [d for d, _ in fresh if d.document_id not in new_ids]
    if lost:
        earlier.add(
            await read_stored(
                connection,
                {(d.user_id, d.client_id) for d in lost if d.client_id is not None},
                {d.document_id for d in lost},
            )
        )
    earlier.add(m for m in stored.values() if m.client_id is not None)
    posted = [
        MessagePosted(message=m, recipients=d.recipients)
        for d, seq in fresh
        if seq is not None and (m := stored.get(d.document_id)) is not None
    ]
    if notify is not None and posted:
        payload = notify(posted)
        if payload is not None:
            await connection.execute(_NOTIFY, {"channel": EVENTS_CHANNEL, "payload": payload})
    return [stored.get(d.document_id) or earlier.row_of(d) for d in drafts]


async def _lock(connection: AsyncConnection, conversation_ids: list[int]) -> dict[int, int]:
    """conversation id -> last_seq, each row locked until the transaction ends."""
    if not conversation_ids:
        return {}
    chosen = _conversation.c.id.in_(conversation_ids)
    if connection.dialect.name == "sqlite":  # a write first: take the database's write lock now
        await connection.execute(
            update(_conversation).where(chosen).values(last_seq=_conversation.c.last_seq)
        )
    rows = await connection.execute(
        select(_conversation.c.id, _conversation.c.last_seq)
        .where(chosen)
        .order_by(_conversation.c.id)
        .with_for_update()
    )
    last_seqs = {row.id: row.last_seq for row in rows}
    if len(last_seqs) != len(conversation_ids):
        raise NotFound("Conversation not found")
    return last_seqs


async def _insert(
    connection: AsyncConnection, fresh: list[tuple[NewChatMessage, int | None]]
) -> dict[str, int]:
    if not fresh:
        return {}
    rows = await connection.execute(_INSERTS[connection.dialect.name], [row_values(d, seq) for d, seq in fresh])
    return {row.document_id: row.id for row in rows}
