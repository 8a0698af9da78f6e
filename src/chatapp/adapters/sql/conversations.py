from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, case, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from chatapp.adapters.sql.conversation_listing import COUNT_CONVERSATIONS, PAGE_OF_CONVERSATIONS, unread_count
from chatapp.adapters.sql.errors import domain_errors
from chatapp.adapters.sql.messages import SELECT_MESSAGES, to_message
from chatapp.adapters.sql.models import ChatMessageRow, ConversationMemberRow, ConversationRow, UserRow
from chatapp.adapters.sql.rows import by_name
from chatapp.adapters.sql.text import storable
from chatapp.application.ports.conversation_repository import (
    ConversationPage,
    ConversationRepository,
    ConversationView,
    NewConversation,
    NewMember,
)
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.conversation import Conversation, ConversationKind, Member, MemberRole
from chatapp.domain.errors import AlreadyTaken

DM_TAKEN = "These two users already have a direct conversation"

_conversation = ConversationRow.__table__.c
_member = ConversationMemberRow.__table__.c
_message = ChatMessageRow.__table__.c
_members_table = ConversationMemberRow.__table__
_conversations_table = ConversationRow.__table__

_SELECT_MEMBERS = (
    select(_members_table, UserRow.document_id, UserRow.username)
    .join_from(ConversationMemberRow, UserRow, ConversationMemberRow.user_id == UserRow.id)
    .order_by(_member.conversation_id, _member.joined_at, _member.user_id)
)
# Built once, their IN lists bound at execution: building them per listing cost more CPU than running them.
_MEMBERS_OF = _SELECT_MEMBERS.where(_member.conversation_id.in_(bindparam("ids", expanding=True)))
_MESSAGES_BY_ID = SELECT_MESSAGES.where(_message.id.in_(bindparam("ids", expanding=True)))


def direct_key(user_id: int, other_id: int) -> str:
    """One DM per pair: the two user ids, smaller first."""
    low, high = sorted((user_id, other_id))
    return f"{low}:{high}"


def _to_member(row: Row[Any]) -> Member:
    values = row._mapping
    return Member(
        user_id=values["user_id"],
        document_id=values["document_id"],
        username=values["username"],
        role=MemberRole(values["role"]),
        joined_at=values["joined_at"],
        last_read_seq=values["last_read_seq"],
    )


def _to_conversation(row: Any, members: list[Member]) -> Conversation:
    values = by_name(row)
    return Conversation(
        id=values["id"],
        document_id=values["document_id"],
        kind=ConversationKind(values["kind"]),
        title=values["title"],
        created_by=values["created_by"],
        last_seq=values["last_seq"],
        members=tuple(members),
        created_at=values["created_at"],
        updated_at=values["updated_at"],
        published_at=values["published_at"],
    )


class SqlConversationRepository(ConversationRepository):
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _members(self, conversation_ids: list[int]) -> dict[int, list[Member]]:
        found: dict[int, list[Member]] = {cid: [] for cid in conversation_ids}
        if conversation_ids:
            rows = await self._session.execute(_MEMBERS_OF, {"ids": conversation_ids})
            for row in rows:
                found[row._mapping["conversation_id"]].append(_to_member(row))
        return found

    async def _one(self, *conditions: Any) -> Conversation | None:
        with domain_errors():
            # Table columns, not ORM objects: the identity map would hand back values from before
            # this transaction's own updates.
            row = (await self._session.execute(select(_conversations_table).where(*conditions))).one_or_none()
            if row is None:
                return None
            members = await self._members([row.id])
        return _to_conversation(row, members[row.id])

    async def _last_messages(self, conversations: list[Conversation]) -> dict[int, ChatMessage]:
        keys = [(c.id, c.last_seq) for c in conversations if c.last_seq > 0]
        if not keys:
            return {}
        rows = await self._session.execute(
            SELECT_MESSAGES.where(tuple_(_message.conversation_id, _message.seq).in_(keys))
        )
        return {row.conversation_id: to_message(row) for row in rows}

    async def _messages_by_id(self, ids: list[int]) -> dict[int, ChatMessage]:
        """Conversation id -> message, by the messages' ids (primary key look-ups on every backend)."""
        if not ids:
            return {}
        messages = map(to_message, await self._session.execute(_MESSAGES_BY_ID, {"ids": ids}))
        return {message.conversation_id: message for message in messages if message.conversation_id is not None}

    async def add(self, conversation: NewConversation) -> Conversation:
        pair = [m.user_id for m in conversation.members]
        row = ConversationRow(
            document_id=conversation.document_id,
            kind=conversation.kind.value,
            title=conversation.title,
            created_by=conversation.created_by,
            direct_key=direct_key(*pair) if conversation.kind is ConversationKind.DIRECT else None,
            last_seq=0,
            created_at=conversation.created_at,
            updated_at=conversation.created_at,
            published_at=conversation.created_at,
        )
        self._session.add(row)
        try:
            with domain_errors():
                await self._session.flush()
        except AlreadyTaken:
            raise AlreadyTaken(DM_TAKEN) from None
        await self.add_members(row.id, list(conversation.members))
        members = await self._members([row.id])
        return _to_conversation(row, members[row.id])

    async def get(self, document_id: str) -> Conversation | None:
        if not storable(document_id):
            return None
        return await self._one(_conversation.document_id == document_id)

    async def find_direct(self, user_id: int, other_id: int) -> Conversation | None:
        return await self._one(_conversation.direct_key == direct_key(user_id, other_id))

    async def view(self, document_id: str, user_id: int) -> ConversationView | None:
        conversation = await self.get(document_id)
        if conversation is None or conversation.member(user_id) is None:
            return None
        with domain_errors():
            # Counted up to the last_seq read above: a message committed between the two statements
            # (each has its own snapshot under READ COMMITTED) is not in that lastSeq, so not in unread.
            unread = await self._session.scalar(
                select(unread_count(user_id, up_to=conversation.last_seq)).where(
                    _member.conversation_id == conversation.id, _member.user_id == user_id
                )
            )
            last = await self._last_messages([conversation])
        return ConversationView(
            conversation=conversation, last_message=last.get(conversation.id), unread=unread or 0
        )

    async def list_for(self, user_id: int, *, page: int, page_size: int) -> ConversationPage:
        with domain_errors():
            total = await self._session.scalar(COUNT_CONVERSATIONS, {"user_id": user_id}) or 0
            offset = (page - 1) * page_size
            if total <= offset:  # past the end (and past BIGINT, for a page number of 40 digits)
                return ConversationPage(items=[], total=total)
            parameters = {"user_id": user_id, "page_size": page_size, "offset": offset}
            rows = [row._mapping for row in await self._session.execute(PAGE_OF_CONVERSATIONS, parameters)]
            members = await self._members([row["id"] for row in rows])
            conversations = [_to_conversation(row, members[row["id"]]) for row in rows]
            last = await self._messages_by_id([row["last_message_id"] for row in rows if row["last_message_id"]])
        items = [
            ConversationView(conversation=c, last_message=last.get(c.id), unread=row["unread"])
            for c, row in zip(conversations, rows, strict=True)
        ]
        return ConversationPage(items=items, total=total)

    async def add_members(self, conversation_id: int, members: list[NewMember]) -> None:
        with domain_errors():
            present = set(
                await self._session.scalars(
                    select(_member.user_id).where(_member.conversation_id == conversation_id)
                )
            )
            rows = [
                {
                    "conversation_id": conversation_id,
                    "user_id": m.user_id,
                    "role": m.role.value,
                    "joined_at": m.joined_at,
                    "last_read_seq": 0,
                }
                for m in members
                if m.user_id not in present
            ]
            if rows:
                await self._session.execute(insert(_members_table), rows)

    def _member_row(self, conversation_id: int, user_id: int) -> Any:
        return (_member.conversation_id == conversation_id) & (_member.user_id == user_id)

    async def remove_member(self, conversation_id: int, user_id: int) -> None:
        with domain_errors():
            await self._session.execute(
                _members_table.delete().where(self._member_row(conversation_id, user_id))
            )

    async def set_role(self, conversation_id: int, user_id: int, role: MemberRole) -> None:
        with domain_errors():
            await self._session.execute(
                update(_members_table)
                .where(self._member_row(conversation_id, user_id))
                .values(role=role.value)
            )

    async def set_title(self, conversation_id: int, title: str, at: datetime) -> None:
        with domain_errors():
            await self._session.execute(
                update(_conversations_table)
                .where(_conversation.id == conversation_id)
                .values(title=title, updated_at=at)
            )

    async def touch(self, conversation_id: int, at: datetime) -> None:
        with domain_errors():
            await self._session.execute(
                update(_conversations_table).where(_conversation.id == conversation_id).values(updated_at=at)
            )

    async def mark_read(self, conversation_id: int, user_id: int, seq: int) -> int:
        with domain_errors():
            stored = await self._session.scalar(
                update(_members_table)
                .where(self._member_row(conversation_id, user_id))
                .values(last_read_seq=case((_member.last_read_seq < seq, seq), else_=_member.last_read_seq))
                .returning(_member.last_read_seq)
            )
        return stored or 0
