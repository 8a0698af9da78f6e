from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class MessageKind(StrEnum):
    MESSAGE = "message"
    DISCONNECT = "disconnect"


@dataclass(slots=True, kw_only=True, frozen=True)
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


@dataclass(slots=True, kw_only=True, frozen=True)
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

    def stored_as(self, row_id: int) -> ChatMessage:
        """The message as stored under `row_id`: created, updated and published when it was sent."""
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
        )
