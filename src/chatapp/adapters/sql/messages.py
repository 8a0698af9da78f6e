from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from chatapp.adapters.sql.driver_reads import fetch_all
from chatapp.adapters.sql.errors import domain_errors
from chatapp.adapters.sql.filtering import FilterCompiler
from chatapp.adapters.sql.message_rows import LISTED_COLUMNS, extra, read_listed
from chatapp.adapters.sql.models import (
    CHAT_MESSAGES,
    CONVERSATION_MEMBERS,
    CONVERSATIONS,
    USER_MESSAGE_COUNTS,
    USERS,
)
from chatapp.adapters.sql.text import storable
from chatapp.application.ports.persistence import AuthoredBy, ChatMessageRepository, MessageScope
from chatapp.application.query.filters import AllOf
from chatapp.application.query.listing import ListQuery, Slice, SortKey
from chatapp.application.query.resources import CHAT_SESSIONS
from chatapp.domain.chat_message import ChatMessage, MessageKind

_table = CHAT_MESSAGES
_message = _table.c
_author = USERS.c
_conversation = CONVERSATIONS.c
_member = CONVERSATION_MEMBERS.c

# The only columns a query string can reach, by their public names.
COLUMNS: dict[str, ColumnElement[Any]] = {
    "id": _message.id,
    "documentId": _message.document_id,
    "message": _message.message,
    "kind": _message.kind,
    "timestamp": _message.timestamp,
    "createdAt": _message.created_at,
    "updatedAt": _message.updated_at,
    "publishedAt": _message.published_at,
    "seq": _message.seq,
    "user.id": _message.user_id,
    "user.documentId": _author.document_id,
    "user.username": _author.username,
    "conversation.documentId": _conversation.document_id,
}

# A message row with its author and conversation: what the domain object carries and filters reach.
_JOINED = _table.join(USERS, _message.user_id == _author.id).outerjoin(
    CONVERSATIONS, _message.conversation_id == _conversation.id
)
SELECT_MESSAGES: Select[Any] = select(
    _table,
    _author.username,
    _author.document_id.label("user_document_id"),
    _conversation.document_id.label("conversation_document_id"),
).select_from(_JOINED)
COUNT_MESSAGES: Select[Any] = select(func.count()).select_from(_JOINED)
# The same rows for listings, read by position (message_rows.read_listed).
_LIST_MESSAGES: Select[Any] = select(*LISTED_COLUMNS).select_from(_JOINED)
_counts = USER_MESSAGE_COUNTS.c
_NO_COUNT_FIRST_BEYOND = 2**31


def _counted_rows(user_id: int | BindParameter[Any]) -> Any:
    """A user's number of rows as the triggers of migration 0005 keep it (no counter row: none yet)."""
    return func.coalesce(
        select(_counts.messages).where(_counts.user_id == user_id).scalar_subquery(), 0
    )


@functools.lru_cache(maxsize=64)
def _page_of_user(order: tuple[SortKey, ...], dialect: str) -> Select[Any]:
    """A page of one user's rows with the user's counter, built once per order: building it (and
    its cache key) per request cost more CPU than the rest of the request's SQLAlchemy work."""
    user_id: BindParameter[int] = bindparam("user_id")
    return (
        _LIST_MESSAGES.add_columns(_counted_rows(user_id).label("rows_in_all"))
        .where(_message.user_id == user_id)
        .order_by(*FilterCompiler(CHAT_SESSIONS, COLUMNS, dialect).order_by(order))
        .limit(bindparam("limit", type_=Integer))
        .offset(bindparam("offset", type_=Integer))
    )


# The same names for a statement on chat_sessions alone (DELETE ... RETURNING).
AUTHOR_AND_CONVERSATION = (
    select(_author.username).where(_author.id == _message.user_id).scalar_subquery().label("username"),
    select(_author.document_id)
    .where(_author.id == _message.user_id)
    .scalar_subquery()
    .label("user_document_id"),
    select(_conversation.document_id)
    .where(_conversation.id == _message.conversation_id)
    .scalar_subquery()
    .label("conversation_document_id"),
)


def with_client_ids(keys: Iterable[tuple[int, str | None]]) -> ColumnElement[bool]:
    """Rows that may hold one of these (user_id, client_id) pairs: all that do, and perhaps some that
    pair one pair's user with another's client id, which callers, looking rows up by pair, pass over.
    Neither a row-value IN nor an OR of pairs: given those, SQLite searched the author's (user_id,
    timestamp, id) index, or the unique one on user_id alone, once ANALYZE had seen many rows without
    a client id, reading all the author's rows (17 ms per conversation message beside 100,000)."""
    pairs = list(keys)
    users, client_ids = {user_id for user_id, _ in pairs}, {client_id for _, client_id in pairs}
    return and_(_message.user_id.in_(users), _message.client_id.in_(client_ids))


def to_message(row: Row[*tuple[Any, ...]]) -> ChatMessage:
    """A row of SELECT_MESSAGES (or of a statement RETURNING the same names)."""
    values = row._mapping  # not row.name: see rows.by_name
    return ChatMessage(
        id=values["id"],
        document_id=values["document_id"],
        user_id=values["user_id"],
        username=values["username"],
        user_document_id=values["user_document_id"],
        message=values["message"],
        kind=MessageKind(values["kind"]),
        client_id=values["client_id"],
        timestamp=values["timestamp"],
        created_at=values["created_at"],
        updated_at=values["updated_at"],
        published_at=values["published_at"],
        conversation_id=values["conversation_id"],
        conversation_document_id=values["conversation_document_id"],
        seq=values["seq"],
    )


def _scope(scope: MessageScope) -> ColumnElement[bool]:
    """The user's own messages ((user_id, timestamp, id) is indexed), or a conversation's while the
    user is one of its members ((conversation_id, seq) is indexed): a filter only narrows that range."""
    if isinstance(scope, AuthoredBy):
        return _message.user_id == scope.user_id
    is_member = exists().where(
        _member.conversation_id == scope.conversation_id, _member.user_id == scope.member_id
    )
    return (_message.conversation_id == scope.conversation_id) & is_member


class SqlChatMessageRepository(ChatMessageRepository):
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection  # the unit of work's

    def _compiler(self) -> FilterCompiler:
        return FilterCompiler(CHAT_SESSIONS, COLUMNS, self._connection.dialect.name)

    async def get(self, document_id: str, user_id: int) -> ChatMessage | None:
        if not storable(document_id):
            return None
        statement = SELECT_MESSAGES.where(_message.document_id == document_id, _message.user_id == user_id)
        with domain_errors():
            row = (await self._connection.execute(statement)).one_or_none()
        return None if row is None else to_message(row)

    async def list(self, scope: MessageScope, query: ListQuery) -> Slice[ChatMessage]:
        if query.with_count and isinstance(scope, AuthoredBy) and query.filter == AllOf(()):
            return await self._list_all_of(scope.user_id, query, self._connection.dialect.name)
        compiler = self._compiler()
        conditions = [_scope(scope), compiler.where(query.filter)]
        window = query.window
        with domain_errors():
            total = None
            if query.with_count:
                total = await self._connection.scalar(COUNT_MESSAGES.where(*conditions)) or 0
                if total <= window.offset:
                    return Slice(items=[], total=total)
            statement = (
                _LIST_MESSAGES.where(*conditions)
                .order_by(*compiler.order_by(query.sort))
                .limit(window.limit)
                .offset(window.offset)
            )
            rows = (await self._connection.execute(statement)).all()
        return Slice(items=[read_listed(row) for row in rows], total=total)

    async def _list_all_of(self, user_id: int, query: ListQuery, dialect: str) -> Slice[ChatMessage]:
        """Every row of one user: its page and the user's counter, in one statement (a second one
        reads the counter alone when the page is past the end)."""
        window = query.window
        if window.offset > _NO_COUNT_FIRST_BEYOND:  # past BIGINT, maybe: never send such an offset
            total = await self._counted(user_id)
            if total <= window.offset:
                return Slice(items=[], total=total)
        statement = _page_of_user(query.sort, dialect)
        values = {"user_id": user_id, "limit": window.limit, "offset": window.offset}
        with domain_errors():
            rows = await fetch_all(self._connection, statement, values)
        if not rows:
            return Slice(items=[], total=await self._counted(user_id))
        return Slice(items=[read_listed(row) for row in rows], total=int(extra(rows[0])))

    async def _counted(self, user_id: int) -> int:
        with domain_errors():
            return int(await self._connection.scalar(select(_counted_rows(user_id))) or 0)

    async def edit(self, document_id: str, user_id: int, message: str, at: datetime) -> ChatMessage | None:
        if not storable(document_id):
            return None
        statement = (
            update(_table)
            .where(_message.document_id == document_id, _message.user_id == user_id)
            .values(message=message, updated_at=at)
            .returning(*_table.c, *AUTHOR_AND_CONVERSATION)
        )
        with domain_errors():
            row = (await self._connection.execute(statement)).one_or_none()
        return None if row is None else to_message(row)

    async def delete(self, document_id: str, user_id: int) -> ChatMessage | None:
        if not storable(document_id):
            return None
        # One statement that reads as it deletes: of two concurrent deletes, the second finds nothing.
        statement = (
            delete(_table)
            .where(_message.document_id == document_id, _message.user_id == user_id)
            .returning(*_table.c, *AUTHOR_AND_CONVERSATION)
        )
        with domain_errors():
            row = (await self._connection.execute(statement)).one_or_none()
        return None if row is None else to_message(row)
