"""Conversations: a DM between exactly two people, or a group with a title and an owner."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from chatapp.domain.record import record


class ConversationKind(StrEnum):
    DIRECT = "direct"
    GROUP = "group"


class MemberRole(StrEnum):
    OWNER = "owner"
    MEMBER = "member"


@record
class Member:
    """A user's place in a conversation; `last_read_seq` is their read marker (never moves back)."""

    user_id: int
    document_id: str
    username: str
    role: MemberRole
    joined_at: datetime
    last_read_seq: int = 0


@record
class Conversation:
    """A conversation and its members; `last_seq` is the seq of its latest message (0: none yet)."""

    id: int
    document_id: str
    kind: ConversationKind
    title: str | None
    created_by: int
    last_seq: int
    members: tuple[Member, ...]
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None

    def member(self, user_id: int) -> Member | None:
        return next((m for m in self.members if m.user_id == user_id), None)

    @property
    def member_ids(self) -> frozenset[int]:
        return frozenset(m.user_id for m in self.members)
