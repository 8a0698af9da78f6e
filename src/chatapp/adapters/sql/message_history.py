from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, Select, bindparam
from sqlalchemy.ext.asyncio import AsyncEngine

from chatapp.adapters.sql.database import reading_only
from chatapp.adapters.sql.errors import domain_errors
from chatapp.adapters.sql.messages import SELECT_MESSAGES
from chatapp.adapters.sql.models import ChatMessageRow, ConversationRow, UserRow
from chatapp.application.ports.conversations import MessageHistory
from chatapp.domain.chat_message import ChatMessage, MessageKind

_message = ChatMessageRow.__table__.c
_author = UserRow.__table__.c
_conversation = ConversationRow.__table__.c
_KINDS = {kind.value: kind for kind in MessageKind}

# Built once, its columns in the order `after` unpacks them: a resume reads thousands of rows, and
# building the statement, then looking each column up by name, cost more than reading them.
_PAGE: Select[Any] = (
    SELECT_MESSAGES.with_only_columns(
        _message.id,
        _message.document_id,
        _message.user_id,
        _author.username,
        _author.document_id,
        _message.message,
        _message.kind,
        _message.client_id,
        _message.timestamp,
        _message.created_at,
        _message.updated_at,
        _message.published_at,
        _conversation.document_id,
        _message.seq,
    )
    .where(_message.conversation_id == bindparam("conversation_id"), _message.seq > bindparam("seq"))
    .order_by(_message.seq)
    .limit(bindparam("limit", type_=Integer))
)


class SqlMessageHistory(MessageHistory):
    """A range scan of the (conversation_id, seq) index, on its own pooled connection, outside any
    transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = reading_only(engine)

    async def after(self, conversation_id: int, seq: int, limit: int) -> list[ChatMessage]:
        parameters = {"conversation_id": conversation_id, "seq": seq, "limit": limit}
        with domain_errors():
            async with self._engine.connect() as connection:
                rows = await connection.execute(_PAGE, parameters)
        return [
            ChatMessage(
                id=row_id,
                document_id=document_id,
                user_id=user_id,
                username=username,
                user_document_id=user_document_id,
                message=message,
                kind=_KINDS[kind],
                client_id=client_id,
                timestamp=timestamp,
                created_at=created_at,
                updated_at=updated_at,
                published_at=published_at,
                conversation_id=conversation_id,
                conversation_document_id=conversation_document_id,
                seq=row_seq,
            )
            for (
                row_id,
                document_id,
                user_id,
                username,
                user_document_id,
                message,
                kind,
                client_id,
                timestamp,
                created_at,
                updated_at,
                published_at,
                conversation_document_id,
                row_seq,
            ) in rows
        ]
