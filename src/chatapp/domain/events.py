"""What happened, for the people who should see it live. Use cases publish these after their commit.

Every event names its `recipients` (user ids): the members at the time it happened, so that whoever
delivers it never has to look membership up, and a removed member stops receiving at once.
`origin` is an opaque token of the connection whose own frame caused the event (None for REST and
for other processes): that connection already has its answer (an ack), so delivery skips it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.conversation import Conversation
from chatapp.domain.record import record
from chatapp.domain.user import User


@dataclass(slots=True, frozen=True)
class UserRef:
    """A user as other people see them: never an email."""

    id: int
    document_id: str
    username: str

    @classmethod
    def of(cls, user: User) -> UserRef:
        return cls(user.id, user.document_id, user.username)


@record
class MessagePosted:
    """A newly stored message: a conversation's (recipients: its members) or a personal one (the author)."""

    message: ChatMessage
    recipients: frozenset[int]
    origin: object | None = None


@dataclass(slots=True, frozen=True, kw_only=True)
class MessageEdited:
    message: ChatMessage
    recipients: frozenset[int]


@dataclass(slots=True, frozen=True, kw_only=True)
class MessageDeleted:
    message: ChatMessage
    recipients: frozenset[int]


@dataclass(slots=True, frozen=True, kw_only=True)
class Typing:
    conversation_document_id: str
    user: UserRef
    recipients: frozenset[int]
    origin: object | None = None


@dataclass(slots=True, frozen=True, kw_only=True)
class ReadMarked:
    conversation_document_id: str
    user: UserRef
    seq: int
    recipients: frozenset[int]


@dataclass(slots=True, frozen=True, kw_only=True)
class ConversationChanged:
    """`added`/`updated` carry the conversation as it now is; `removed` goes to those who left it."""

    change: Literal["added", "updated", "removed"]
    conversation: Conversation
    recipients: frozenset[int]


@dataclass(slots=True, frozen=True, kw_only=True)
class PresenceChanged:
    """A user's first connection opened (online) or their last one closed, told to who shares a conversation."""

    user: UserRef
    online: bool
    recipients: frozenset[int]


@dataclass(slots=True, frozen=True, kw_only=True)
class TokensRevoked:
    """A password change or reset, or a block, raised the user's token version: connections signed in
    with an older token must end, on every process."""

    user_id: int
    token_version: int

    @property
    def recipients(self) -> frozenset[int]:
        return frozenset((self.user_id,))


ChatEvent = (
    MessagePosted
    | MessageEdited
    | MessageDeleted
    | Typing
    | ReadMarked
    | ConversationChanged
    | PresenceChanged
    | TokensRevoked
)
