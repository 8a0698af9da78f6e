"""Conversations inside a unit of work: creating them, changing who is in them, read markers."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.conversation import Conversation, ConversationKind, MemberRole


@dataclass(slots=True, kw_only=True, frozen=True)
class NewMember:
    user_id: int
    role: MemberRole
    joined_at: datetime


@dataclass(slots=True, kw_only=True, frozen=True)
class NewConversation:
    """A conversation about to be inserted with its first members; the repository assigns the id."""

    document_id: str
    kind: ConversationKind
    title: str | None
    created_by: int
    members: tuple[NewMember, ...]
    created_at: datetime


@dataclass(slots=True, kw_only=True, frozen=True)
class ConversationView:
    """A conversation as one member sees it: its latest message and how many they have not read
    (messages with seq above their read marker, not written by them)."""

    conversation: Conversation
    last_message: ChatMessage | None
    unread: int


@dataclass(slots=True, kw_only=True, frozen=True)
class ConversationPage:
    items: list[ConversationView]
    total: int


class ConversationRepository(Protocol):
    """Conversations and their members. Writes become visible to others only after UnitOfWork.commit();
    `last_seq` is raised by the MessageLog alone, never by these writes."""

    @abstractmethod
    async def add(self, conversation: NewConversation) -> Conversation:
        """Insert with its members; a second DM between the same two users raises AlreadyTaken
        (here or at commit)."""

    @abstractmethod
    async def get(self, document_id: str) -> Conversation | None:
        """The conversation with its members (by joined_at, then user id)."""

    @abstractmethod
    async def find_direct(self, user_id: int, other_id: int) -> Conversation | None:
        """The DM between these two users, if there is one."""

    @abstractmethod
    async def view(self, document_id: str, user_id: int) -> ConversationView | None:
        """The conversation as `user_id` sees it; None unless they are a member."""

    @abstractmethod
    async def list_for(self, user_id: int, *, offset: int, limit: int) -> ConversationPage:
        """`limit` of `user_id`'s conversations from `offset` on, latest activity first: the time of
        the latest message posted (even if deleted since), else of the creation; with their total."""

    @abstractmethod
    async def add_members(self, conversation_id: int, members: list[NewMember]) -> None:
        """Add users not yet members (those already in are left as they are)."""

    @abstractmethod
    async def remove_member(self, conversation_id: int, user_id: int) -> None: ...

    @abstractmethod
    async def set_role(self, conversation_id: int, user_id: int, role: MemberRole) -> None: ...

    @abstractmethod
    async def set_title(self, conversation_id: int, title: str, at: datetime) -> None:
        """Rename; `at` becomes the conversation's updated_at."""

    @abstractmethod
    async def touch(self, conversation_id: int, at: datetime) -> None:
        """Record that the conversation changed (members) at `at`."""

    @abstractmethod
    async def mark_read(self, conversation_id: int, user_id: int, seq: int) -> int:
        """Move `user_id`'s read marker up to `seq` (never back); returns the marker now stored."""
