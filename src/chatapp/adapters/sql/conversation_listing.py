"""The statements that list a user's conversations and count what each member has not read.

A page of `GET /api/conversations` is two statements: PAGE_OF_CONVERSATIONS (the page's
conversations in order, each with the caller's unread count, its last message and the number of
the caller's conversations in all) and members_of (the page's members). Both are built once, with
bound parameters: building the expressions per request cost more CPU than running them. Their
rows are read by position, in conversation_rows.
"""

from __future__ import annotations

import functools
from typing import Any

import msgspec
from sqlalchemy import BigInteger, Select, String, bindparam, func, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.expression import any_

from chatapp.adapters.sql.models import CHAT_MESSAGES, CONVERSATION_MEMBERS, CONVERSATIONS, USERS

_conversation = CONVERSATIONS.c
_member = CONVERSATION_MEMBERS.c
_message = CHAT_MESSAGES.c


def unread_count(user_id: Any, up_to: int | None = None) -> Any:
    """Messages above the member's read marker, not written by them (correlated to the member row);
    with `up_to`, only those up to that seq."""
    conditions = [
        _message.conversation_id == _member.conversation_id,
        _message.seq > _member.last_read_seq,
        _message.user_id != user_id,
    ]
    if up_to is not None:
        conditions.append(_message.seq <= up_to)
    return select(func.count()).where(*conditions).scalar_subquery()


def latest_message_id(conversation_id: Any, last_seq: Any) -> Any:
    """The id of a conversation's latest message still stored, up to `last_seq`: its lastMessage
    (message last_seq itself may have been deleted). A correlated look-up down the (conversation_id,
    seq) index, not a LEFT JOIN: after ANALYZE, SQLite counts the personal messages' NULL
    conversation_id as one value of that index and scanned all of chat_sessions once per
    conversation (34 s for 200 conversations beside 100,000 rows)."""
    latest = CHAT_MESSAGES.alias("latest")
    return (
        select(latest.c.id)
        .where(latest.c.conversation_id == conversation_id, latest.c.seq <= last_seq)
        .order_by(latest.c.seq.desc())
        .limit(1)
        .scalar_subquery()
    )


def _page_of_conversations() -> tuple[Select[Any], Select[Any]]:
    user_id = bindparam("user_id", type_=BigInteger)
    # Kept with last_seq (migration 0006): looking each conversation's last message up to order them
    # was half of PostgreSQL's time per page.
    activity = func.coalesce(_conversation.last_message_at, _conversation.created_at)
    mine = _member.user_id == user_id
    # The page's rows in order; the total is counted before LIMIT, in the same snapshot as the page.
    page = (
        select(
            CONVERSATIONS,
            _member.last_read_seq,
            activity.label("activity"),
            func.count().over().label("total"),
        )
        .join_from(CONVERSATIONS, CONVERSATION_MEMBERS, _member.conversation_id == _conversation.id)
        .where(mine)
        .order_by(activity.desc(), _conversation.id.desc())
        .limit(bindparam("page_size"))
        .offset(bindparam("offset"))
        .subquery("page")
    )
    # Counted for the page's rows only, up to the lastSeq the row shows.
    unread = (
        select(func.count())
        .where(
            _message.conversation_id == page.c.id,
            _message.seq > page.c.last_read_seq,
            _message.seq <= page.c.last_seq,
            _message.user_id != user_id,
        )
        .scalar_subquery()
    )
    last = CHAT_MESSAGES.alias("last_message")
    author = USERS.alias("author")
    joined = page.outerjoin(last, last.c.id == latest_message_id(page.c.id, page.c.last_seq)).outerjoin(
        author, author.c.id == last.c.user_id
    )
    # In the order conversation_rows.read_page_row unpacks them.
    rows = (
        select(
            page.c.total,
            unread,
            page.c.id,
            page.c.document_id,
            page.c.kind,
            page.c.title,
            page.c.created_by,
            page.c.last_seq,
            page.c.created_at,
            page.c.updated_at,
            page.c.published_at,
            # the last message, in message_rows.LISTED_COLUMNS' order
            last.c.id,
            last.c.document_id,
            last.c.user_id,
            author.c.username,
            author.c.document_id,
            last.c.message,
            last.c.kind,
            last.c.client_id,
            last.c.timestamp,
            last.c.created_at,
            last.c.updated_at,
            last.c.published_at,
            last.c.conversation_id,
            page.c.document_id,
            last.c.seq,
        )
        .select_from(joined)
        .order_by(page.c.activity.desc(), page.c.id.desc())
    )
    count = select(func.count()).select_from(CONVERSATION_MEMBERS).where(mine)
    return count, rows


COUNT_CONVERSATIONS, PAGE_OF_CONVERSATIONS = _page_of_conversations()

# In the order conversation_rows.read_members unpacks them.
_SELECT_MEMBERS = (
    select(
        _member.conversation_id,
        _member.user_id,
        USERS.c.document_id,
        USERS.c.username,
        _member.role,
        _member.joined_at,
        _member.last_read_seq,
    )
    .join_from(CONVERSATION_MEMBERS, USERS, _member.user_id == USERS.c.id)
    .order_by(_member.conversation_id, _member.joined_at, _member.user_id)
)


@functools.cache
def members_of(dialect: str) -> Select[Any]:
    """The members of the conversations whose ids are bound as `ids` (see member_ids). One
    statement whatever the number of ids, so that it is built, compiled and prepared once: an
    expanding IN renders a statement per list length, and rendering it was a tenth of a listing's
    CPU. PostgreSQL binds the list as one array (`= ANY($1)`), SQLite as one JSON array (json_each)."""
    if dialect == "postgresql":
        return _SELECT_MEMBERS.where(
            _member.conversation_id == any_(bindparam("ids", type_=ARRAY(BigInteger)))
        )
    ids = func.json_each(bindparam("ids", type_=String))
    listed: Select[Any] = select(literal_column("value")).select_from(ids)
    return _SELECT_MEMBERS.where(_member.conversation_id.in_(listed))


def member_ids(dialect: str, conversation_ids: list[int]) -> Any:
    """The `ids` parameter of members_of."""
    return conversation_ids if dialect == "postgresql" else msgspec.json.encode(conversation_ids).decode()
