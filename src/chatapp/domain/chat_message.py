from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from chatapp.domain.record import record
from chatapp.domain.user import User


class MessageKind(StrEnum):
    MESSAGE = "message"
    DISCONNECT = "disconnect"


@record
class ChatMessage:
    """One stored chat-session row, authored by `user_id`."""

    id: int
    document_id: str
    user_id: int
    username: str
    user_document_id: str
    message: str
    kind: MessageKind
    client_id: str | None
    timestamp: datetime
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None
    # A conversation's messages carry it and their place in it (1, 2, 3... with no gap); the
    # author's personal stream (the seed's behaviour) has neither.
    conversation_id: int | None = None
    conversation_document_id: str | None = None
    seq: int | None = None


@record
class NewChatMessage:
    """A row about to be appended; `client_id` makes the append idempotent per user.

    It carries the author's username and documentId so the stored row can be returned
    without reading the user back.
    """

    document_id: str
    user_id: int
    username: str
    user_document_id: str
    message: str
    kind: MessageKind
    client_id: str | None
    timestamp: datetime
    conversation_id: int | None = None
    conversation_document_id: str | None = None
    # A conversation message's members as its sender's process read them, announced with it to the
    # other processes so that they need not read them again (empty: not known, they read them).
    recipients: frozenset[int] = frozenset()

    @classmethod
    def by(
        cls,
        author: User,
        message: str,
        *,
        document_id: str,
        timestamp: datetime,
        kind: MessageKind = MessageKind.MESSAGE,
        client_id: str | None = None,
        conversation_id: int | None = None,
        conversation_document_id: str | None = None,
        recipients: frozenset[int] = frozenset(),
    ) -> NewChatMessage:
        """A draft authored by `author`, who is named on the stored row without reading them back."""
        return cls(
            document_id=document_id,
            user_id=author.id,
            username=author.username,
            user_document_id=author.document_id,
            message=message,
            kind=kind,
            client_id=client_id,
            timestamp=timestamp,
            conversation_id=conversation_id,
            conversation_document_id=conversation_document_id,
            recipients=recipients,
        )

    def stored_as(self, row_id: int, seq: int | None = None) -> ChatMessage:
        """The message as stored under `row_id` (and `seq` in its conversation): created, updated
        and published when it was sent."""
        return ChatMessage(
            id=row_id,
            document_id=self.document_id,
            user_id=self.user_id,
            username=self.username,
            user_document_id=self.user_document_id,
            message=self.message,
            kind=self.kind,
            client_id=self.client_id,
            timestamp=self.timestamp,
            created_at=self.timestamp,
            updated_at=self.timestamp,
            published_at=self.timestamp,
            conversation_id=self.conversation_id,
            conversation_document_id=self.conversation_document_id,
            seq=seq,
        )
