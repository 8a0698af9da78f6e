from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from chatapp.adapters.sql.conversation_listing import (
    COUNT_CONVERSATIONS,
    PAGE_OF_CONVERSATIONS,
    latest_message_id,
    member_ids,
    members_of,
    unread_count,
)
from chatapp.adapters.sql.conversation_rows import (
    page_conversation_id,
    page_total,
    read_members,
    read_page_row,
)
from chatapp.adapters.sql.driver_reads import fetch_all
from chatapp.adapters.sql.errors import domain_errors
from chatapp.adapters.sql.messages import SELECT_MESSAGES, to_message
from chatapp.adapters.sql.models import CHAT_MESSAGES, CONVERSATION_MEMBERS, CONVERSATIONS
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

_conversation = CONVERSATIONS.c
_member = CONVERSATION_MEMBERS.c
_message = CHAT_MESSAGES.c

# Past this offset the page is not asked for before the total says it exists (it may be past BIGINT).
_COUNT_FIRST_BEYOND = 2**31


def direct_key(user_id: int, other_id: int) -> str:
    """One DM per pair: the two user ids, smaller first."""
    low, high = sorted((user_id, other_id))
    return f"{low}:{high}"


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
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection  # the unit of work's

    async def _members(self, conversation_ids: list[int]) -> dict[int, list[Member]]:
        if not conversation_ids:
            return {}
        dialect = self._connection.dialect.name
        rows = await fetch_all(
            self._connection, members_of(dialect), {"ids": member_ids(dialect, conversation_ids)}
        )
        return read_members(rows, conversation_ids)

    async def _one(self, *conditions: Any) -> Conversation | None:
        with domain_errors():
            row = (await self._connection.execute(select(CONVERSATIONS).where(*conditions))).one_or_none()
            if row is None:
                return None
            members = await self._members([row.id])
        return _to_conversation(row, members[row.id])

    async def _last_message(self, conversation: Conversation) -> ChatMessage | None:
        if conversation.last_seq == 0:
            return None
        latest = latest_message_id(conversation.id, conversation.last_seq)
        row = (await self._connection.execute(SELECT_MESSAGES.where(_message.id == latest))).one_or_none()
        return None if row is None else to_message(row)

    async def add(self, conversation: NewConversation) -> Conversation:
        pair = [m.user_id for m in conversation.members]
        statement = insert(CONVERSATIONS).returning(*CONVERSATIONS.c).values(
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
        try:
            with domain_errors():
                row = (await self._connection.execute(statement)).one()
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
            unread = await self._connection.scalar(
                select(unread_count(user_id, up_to=conversation.last_seq)).where(
                    _member.conversation_id == conversation.id, _member.user_id == user_id
                )
            )
            last = await self._last_message(conversation)
        return ConversationView(conversation=conversation, last_message=last, unread=unread or 0)

    async def list_for(self, user_id: int, *, offset: int, limit: int) -> ConversationPage:
        """Two statements (the page, its members), sent by the driver itself where it can
        (driver_reads): SQLAlchemy's execution path cost more than the statements' own work."""
        with domain_errors():
            connection = self._connection
            if offset > _COUNT_FIRST_BEYOND:
                total = await connection.scalar(COUNT_CONVERSATIONS, {"user_id": user_id}) or 0
                if total <= offset:
                    return ConversationPage(items=[], total=total)
            parameters = {"user_id": user_id, "page_size": limit, "offset": offset}
            rows = await fetch_all(connection, PAGE_OF_CONVERSATIONS, parameters)
            if not rows:  # an empty page has no row to carry the total
                total = await connection.scalar(COUNT_CONVERSATIONS, {"user_id": user_id}) or 0
                return ConversationPage(items=[], total=total)
            members = await self._members([page_conversation_id(row) for row in rows])
        items = [read_page_row(row, members[page_conversation_id(row)]) for row in rows]
        return ConversationPage(items=items, total=page_total(rows[0]))

    async def add_members(self, conversation_id: int, members: list[NewMember]) -> None:
        with domain_errors():
            present = set(
                await self._connection.scalars(
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
                await self._connection.execute(insert(CONVERSATION_MEMBERS), rows)

    def _member_row(self, conversation_id: int, user_id: int) -> Any:
        return (_member.conversation_id == conversation_id) & (_member.user_id == user_id)

    async def remove_member(self, conversation_id: int, user_id: int) -> None:
        with domain_errors():
            await self._connection.execute(
                CONVERSATION_MEMBERS.delete().where(self._member_row(conversation_id, user_id))
            )

    async def set_role(self, conversation_id: int, user_id: int, role: MemberRole) -> None:
        with domain_errors():
            await self._connection.execute(
                update(CONVERSATION_MEMBERS)
                .where(self._member_row(conversation_id, user_id))
                .values(role=role.value)
            )

    async def set_title(self, conversation_id: int, title: str, at: datetime) -> None:
        with domain_errors():
            await self._connection.execute(
                update(CONVERSATIONS)
                .where(_conversation.id == conversation_id)
                .values(title=title, updated_at=at)
            )

    async def touch(self, conversation_id: int, at: datetime) -> None:
        with domain_errors():
            await self._connection.execute(
                update(CONVERSATIONS).where(_conversation.id == conversation_id).values(updated_at=at)
            )

    async def mark_read(self, conversation_id: int, user_id: int, seq: int) -> int:
        with domain_errors():
            stored = await self._connection.scalar(
                update(CONVERSATION_MEMBERS)
                .where(self._member_row(conversation_id, user_id))
                .values(last_read_seq=case((_member.last_read_seq < seq, seq), else_=_member.last_read_seq))
                .returning(_member.last_read_seq)
            )
        return stored or 0
