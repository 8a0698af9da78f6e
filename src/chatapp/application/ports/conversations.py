"""Committed conversation state read outside any unit of work: the hot paths of sending and delivery."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Protocol

from chatapp.domain.chat_message import ChatMessage


@dataclass(slots=True, frozen=True, kw_only=True)
class Membership:
    """Who is in a conversation right now."""

    conversation_id: int
    document_id: str
    member_ids: frozenset[int]


class ConversationDirectory(Protocol):
    """Membership as committed; each call reads the latest committed state, except `membership_of`
    from a directory that remembers (see its docstring)."""

    @abstractmethod
    async def by_document_id(self, document_id: str) -> Membership | None: ...

    async def membership_of(self, document_id: str, user_id: int) -> Membership | None:
        """The conversation's membership if `user_id` is one of its members, else None: what each
        frame a member sends to a conversation asks. A directory may answer a yes from memory for
        a moment (adapters/recent_memberships.py); a no is always read."""
        membership = await self.by_document_id(document_id)
        return membership if membership is not None and user_id in membership.member_ids else None

    def changed(self, conversation_id: int) -> None:
        """The conversation's membership changed (committed, here or in another process): a
        directory that remembers memberships forgets this one."""
        return None  # noqa: RET501 - a body of its own: an empty one would make it abstract (mypy)

    @abstractmethod
    async def by_id(self, conversation_id: int) -> Membership | None: ...

    @abstractmethod
    async def last_seqs(self, user_id: int) -> dict[int, int]:
        """conversation id -> its last_seq, for every conversation `user_id` is a member of."""

    @abstractmethod
    async def peers(self, user_id: int) -> frozenset[int]:
        """Everyone who shares at least one conversation with `user_id` (not `user_id`)."""


class MessageHistory(Protocol):
    """A conversation's committed messages in seq order, for resume and for repairing live delivery."""

    @abstractmethod
    async def after(self, conversation_id: int, seq: int, limit: int) -> list[ChatMessage]:
        """At most `limit` messages with seq > `seq`, ascending by seq."""
