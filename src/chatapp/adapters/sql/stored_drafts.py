"""Drafts found already stored: by their own document_id (a batch retried after a commit whose answer
was lost) or by their author's client id (an earlier append of the same message)."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncConnection

from chatapp.adapters.sql.messages import SELECT_MESSAGES, to_message, with_client_ids
from chatapp.adapters.sql.models import CHAT_MESSAGES
from chatapp.domain.chat_message import ChatMessage, NewChatMessage

Key = tuple[int, str | None]  # (user_id, client_id)
_document_id = CHAT_MESSAGES.c.document_id


class StoredRows:
    """Rows stored before a batch's insert, by document_id and by (user_id, client_id)."""

    def __init__(self, rows: Iterable[ChatMessage]) -> None:
        self.by_document: dict[str, ChatMessage] = {}
        self.by_client: dict[Key, ChatMessage] = {}
        self.add(rows)

    def row_of(self, draft: NewChatMessage) -> ChatMessage:
        return self.by_document.get(draft.document_id) or self.by_client[(draft.user_id, draft.client_id)]

    def add(self, rows: Iterable[ChatMessage]) -> None:
        for row in rows:
            self.by_document[row.document_id] = row
            if row.client_id is not None:
                self.by_client[(row.user_id, row.client_id)] = row


async def read_stored(
    connection: AsyncConnection, keys: Collection[Key], documents: set[str]
) -> list[ChatMessage]:
    """The stored rows with one of these (user_id, client_id) keys or document ids."""
    conditions = []
    if keys:
        conditions.append(with_client_ids(keys))
    if documents:
        conditions.append(_document_id.in_(documents))
    if not conditions:
        return []
    return [to_message(row) for row in await connection.execute(SELECT_MESSAGES.where(or_(*conditions)))]
