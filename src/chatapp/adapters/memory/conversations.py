from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from chatapp.adapters.memory.database import InMemoryDatabase
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


def _is_same_dm(a: Conversation, b: Conversation) -> bool:
    return a.id != b.id and a.kind is b.kind is ConversationKind.DIRECT and a.member_ids == b.member_ids


def _ordered(members: list[Member]) -> tuple[Member, ...]:
    return tuple(sorted(members, key=lambda m: (m.joined_at, m.user_id)))


def last_message(db: InMemoryDatabase, conversation: Conversation) -> ChatMessage | None:
    """Its latest message still stored, up to its last_seq."""
    return max(
        (
            m
            for m in db.messages.values()
            if m.conversation_id == conversation.id and m.seq is not None and m.seq <= conversation.last_seq
        ),
        key=lambda m: m.seq or 0,
        default=None,
    )


class InMemoryConversationRepository(ConversationRepository):
    """Reads see committed conversations plus this transaction's own staged changes."""

    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db
        self.staged: dict[int, Conversation] = {}

    def _visible(self) -> list[Conversation]:
        merged = {**self._db.conversations, **self.staged}
        return [self._current(c) for c in merged.values()]

    def _current(self, conversation: Conversation) -> Conversation:
        """last_seq always as committed: only the message log raises it."""
        committed = self._db.conversations.get(conversation.id)
        return conversation if committed is None else replace(conversation, last_seq=committed.last_seq)

    def _by_id(self, conversation_id: int) -> Conversation:
        return next(c for c in self._visible() if c.id == conversation_id)

    def _member(self, new: NewMember) -> Member:
        user = self._db.users[new.user_id]
        return Member(
            user_id=user.id,
            document_id=user.document_id,
            username=user.username,
            role=new.role,
            joined_at=new.joined_at,
        )

    async def add(self, conversation: NewConversation) -> Conversation:
        created = Conversation(
            id=next(self._db.conversation_ids),
            document_id=conversation.document_id,
            kind=conversation.kind,
            title=conversation.title,
            created_by=conversation.created_by,
            last_seq=0,
            members=_ordered([self._member(m) for m in conversation.members]),
            created_at=conversation.created_at,
            updated_at=conversation.created_at,
            published_at=conversation.created_at,
        )
        if any(_is_same_dm(created, other) for other in self._visible()):
            raise AlreadyTaken(DM_TAKEN)
        self.staged[created.id] = created
        return created

    async def get(self, document_id: str) -> Conversation | None:
        return next((c for c in self._visible() if c.document_id == document_id), None)

    async def find_direct(self, user_id: int, other_id: int) -> Conversation | None:
        pair = frozenset((user_id, other_id))
        return next(
            (c for c in self._visible() if c.kind is ConversationKind.DIRECT and c.member_ids == pair), None
        )

    def _view(self, conversation: Conversation, user_id: int) -> ConversationView | None:
        member = conversation.member(user_id)
        if member is None:
            return None
        unread = sum(
            1
            for m in self._db.messages.values()
            if m.conversation_id == conversation.id
            and m.seq is not None
            and member.last_read_seq < m.seq <= conversation.last_seq
            and m.user_id != user_id
        )
        return ConversationView(
            conversation=conversation, last_message=last_message(self._db, conversation), unread=unread
        )

    async def view(self, document_id: str, user_id: int) -> ConversationView | None:
        conversation = await self.get(document_id)
        return None if conversation is None else self._view(conversation, user_id)

    async def list_for(self, user_id: int, *, offset: int, limit: int) -> ConversationPage:
        views = [v for c in self._visible() if (v := self._view(c, user_id)) is not None]

        def activity(view: ConversationView) -> tuple[datetime, int]:
            conversation = view.conversation
            return (self._db.last_message_at.get(conversation.id, conversation.created_at), conversation.id)

        views.sort(key=activity, reverse=True)
        return ConversationPage(items=views[offset : offset + limit], total=len(views))

    def _change(self, conversation_id: int, **changes: object) -> Conversation:
        changed = replace(self._by_id(conversation_id), **changes)  # type: ignore[arg-type]
        self.staged[conversation_id] = changed
        return changed

    async def add_members(self, conversation_id: int, members: list[NewMember]) -> None:
        conversation = self._by_id(conversation_id)
        added = [self._member(m) for m in members if conversation.member(m.user_id) is None]
        self._change(conversation_id, members=_ordered([*conversation.members, *added]))

    async def remove_member(self, conversation_id: int, user_id: int) -> None:
        conversation = self._by_id(conversation_id)
        self._change(conversation_id, members=tuple(m for m in conversation.members if m.user_id != user_id))

    def _replace_member(self, conversation_id: int, user_id: int, **changes: object) -> None:
        conversation = self._by_id(conversation_id)
        members = tuple(
            replace(m, **changes) if m.user_id == user_id else m  # type: ignore[arg-type]
            for m in conversation.members
        )
        self._change(conversation_id, members=members)

    async def set_role(self, conversation_id: int, user_id: int, role: MemberRole) -> None:
        self._replace_member(conversation_id, user_id, role=role)

    async def set_title(self, conversation_id: int, title: str, at: datetime) -> None:
        self._change(conversation_id, title=title, updated_at=at)

    async def touch(self, conversation_id: int, at: datetime) -> None:
        self._change(conversation_id, updated_at=at)

    async def mark_read(self, conversation_id: int, user_id: int, seq: int) -> int:
        member = self._by_id(conversation_id).member(user_id)
        if member is None:
            return 0
        marker = max(member.last_read_seq, seq)
        self._replace_member(conversation_id, user_id, last_read_seq=marker)
        return marker

    def publish(self) -> None:
        """Apply staged changes to the shared state (called by the unit of work's commit)."""
        for conversation in self.staged.values():
            if any(_is_same_dm(conversation, other) for other in self._db.conversations.values()):
                raise AlreadyTaken(DM_TAKEN)
        for conversation in self.staged.values():
            self._db.conversations[conversation.id] = self._current(conversation)
        self.staged.clear()
