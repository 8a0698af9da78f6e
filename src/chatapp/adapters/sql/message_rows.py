"""Listed messages read by position: a listing's rows through one explicit column order.

A name's look-up in a row's mapping costs more than decoding the value; a page of 25 messages
read some 375 of them. LISTED_COLUMNS selects a message with its author and conversation in the
order read_listed unpacks it, and any extra columns a statement adds come after them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement

from chatapp.adapters.sql.models import CHAT_MESSAGES, CONVERSATIONS, USERS
from chatapp.domain.chat_message import ChatMessage, MessageKind

_message = CHAT_MESSAGES.c
_author = USERS.c
_conversation = CONVERSATIONS.c

LISTED_COLUMNS: tuple[ColumnElement[Any], ...] = (
    _message.id,
    _message.document_id,
    _message.user_id,
    _author.username,
    _author.document_id.label("user_document_id"),
    _message.message,
    _message.kind,
    _message.client_id,
    _message.timestamp,
    _message.created_at,
    _message.updated_at,
    _message.published_at,
    _message.conversation_id,
    _conversation.document_id.label("conversation_document_id"),
    _message.seq,
)
_WIDTH = len(LISTED_COLUMNS)
_KINDS = {kind.value: kind for kind in MessageKind}  # a dict look-up costs a tenth of MessageKind(value)


def read_listed(row: Any) -> ChatMessage:
    """The message of a row that starts with LISTED_COLUMNS."""
    (
        message_id,
        document_id,
        user_id,
        username,
        user_document_id,
        text,
        kind,
        client_id,
        timestamp,
        created_at,
        updated_at,
        published_at,
        conversation_id,
        conversation_document_id,
        seq,
    ) = row[:_WIDTH]
    return ChatMessage(
        id=message_id,
        document_id=document_id,
        user_id=user_id,
        username=username,
        user_document_id=user_document_id,
        message=text,
        kind=_KINDS[kind],
        client_id=client_id,
        timestamp=timestamp,
        created_at=created_at,
        updated_at=updated_at,
        published_at=published_at,
        conversation_id=conversation_id,
        conversation_document_id=conversation_document_id,
        seq=seq,
    )


def extra(row: Any, index: int = 0) -> Any:
    """The value of the `index`th column a statement added after LISTED_COLUMNS."""
    return row[_WIDTH + index]
