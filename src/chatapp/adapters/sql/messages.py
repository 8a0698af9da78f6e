from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Row, Select, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from chatapp.adapters.sql.errors import domain_errors
from chatapp.adapters.sql.models import ChatMessageRow, ConversationMemberRow, ConversationRow, UserRow
from chatapp.adapters.sql.text import storable
from chatapp.application.ports.persistence import ChatMessageRepository, MessagePage, MessageQuery
from chatapp.domain.chat_message import ChatMessage, MessageKind

_table = ChatMessageRow.__table__
_message = _table.c
_member = ConversationMemberRow.__table__.c
SORT_COLUMNS = {
    "timestamp": _message.timestamp,
    "createdAt": _message.created_at,
    "id": _message.id,
    "seq": _message.seq,
}

# A message row together with the author fields and the conversation documentId the domain object carries.
SELECT_MESSAGES: Select[Any] = (
    select(
        _table,
        UserRow.username,
        UserRow.document_id.label("user_document_id"),
        ConversationRow.document_id.label("conversation_document_id"),
    )
    .join_from(ChatMessageRow, UserRow, ChatMessageRow.user_id == UserRow.id)
    .outerjoin(ConversationRow, ChatMessageRow.conversation_id == ConversationRow.id)
)


def to_message(row: Row[Any]) -> ChatMessage:
    return ChatMessage(
        id=row.id,
        document_id=row.document_id,
        user_id=row.user_id,
        username=row.username,
        user_document_id=row.user_document_id,
        message=row.message,
        kind=MessageKind(row.kind),
        client_id=row.client_id,
        timestamp=row.timestamp,
        created_at=row.created_at,
        updated_at=row.updated_at,
        published_at=row.published_at,
        conversation_id=row.conversation_id,
        conversation_document_id=row.conversation_document_id,
        seq=row.seq,
    )


def _scope(query: MessageQuery) -> ColumnElement[bool]:
    """The user's own messages, or a conversation's while the user is one of its members."""
    if query.conversation_id is None:
        return _message.user_id == query.user_id
    is_member = exists().where(
        _member.conversation_id == query.conversation_id, _member.user_id == query.user_id
    )
    return (_message.conversation_id == query.conversation_id) & is_member


def _filters(query: MessageQuery) -> list[ColumnElement[bool]]:
    conditions = [_scope(query)]
    bounds = query.seq
    for bound, holds in (
        (bounds.gt, _message.seq.__gt__),
        (bounds.gte, _message.seq.__ge__),
        (bounds.lt, _message.seq.__lt__),
        (bounds.lte, _message.seq.__le__),
    ):
        if bound is not None:
            conditions.append(holds(bound))
    if query.after is not None:
        conditions.append(_message.timestamp > query.after)
    if query.before is not None:
        conditions.append(_message.timestamp < query.before)
    if query.kind is not None:
        conditions.append(_message.kind == query.kind.value)
    return conditions


class SqlChatMessageRepository(ChatMessageRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, document_id: str, user_id: int) -> ChatMessage | None:
        if not storable(document_id):
            return None
        statement = SELECT_MESSAGES.where(_message.document_id == document_id, _message.user_id == user_id)
        with domain_errors():
            row = (await self._session.execute(statement)).one_or_none()
        return None if row is None else to_message(row)

    async def list(self, query: MessageQuery) -> MessagePage:
        conditions = _filters(query)
        offset = (query.page - 1) * query.page_size
        keys = [SORT_COLUMNS[query.order_by]]
        if query.order_by != "id":
            keys.append(_message.id)  # ties broken by id, in the same direction
        order = [key.asc() if query.ascending else key.desc() for key in keys]
        with domain_errors():
            count = select(func.count()).select_from(_table).where(*conditions)
            total = await self._session.scalar(count) or 0
            if total <= offset:
                return MessagePage(items=[], total=total)
            rows = await self._session.execute(
                SELECT_MESSAGES.where(*conditions).order_by(*order).limit(query.page_size).offset(offset)
            )
        return MessagePage(items=[to_message(row) for row in rows], total=total)

    async def delete(self, document_id: str, user_id: int) -> ChatMessage | None:
        message = await self.get(document_id, user_id)
        if message is None:
            return None
        with domain_errors():
            result = await self._session.execute(delete(_table).where(_message.id == message.id))
        # A concurrent delete may have removed it since the read: only the one that did succeeds.
        return message if result.rowcount else None
