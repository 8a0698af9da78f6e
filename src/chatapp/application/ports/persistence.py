from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Literal, Protocol, Self

from chatapp.application.ports.conversation_repository import ConversationRepository
from chatapp.domain.chat_message import ChatMessage, MessageKind, NewChatMessage
from chatapp.domain.user import NewUser, User


@dataclass(slots=True, kw_only=True, frozen=True)
class SeqRange:
    """Bounds on a conversation message's seq; each one left None does not apply."""

    gt: int | None = None
    gte: int | None = None
    lt: int | None = None
    lte: int | None = None


@dataclass(slots=True, kw_only=True, frozen=True)
class MessageQuery:
    """One page of one user's messages, newest first unless `ascending`.

    With `conversation_id`: every message of that conversation (any author), but only while
    `user_id` is one of its members (otherwise the page is empty).
    """

    user_id: int
    page: int = 1
    page_size: int = 25
    order_by: Literal["timestamp", "createdAt", "id", "seq"] = "timestamp"
    ascending: bool = False
    after: datetime | None = None  # strict: timestamp > after
    before: datetime | None = None  # strict: timestamp < before
    kind: MessageKind | None = None
    conversation_id: int | None = None
    seq: SeqRange = SeqRange()


@dataclass(slots=True, kw_only=True, frozen=True)
class MessagePage:
    items: list[ChatMessage]
    total: int


class UserRepository(Protocol):
    """Accounts. Writes become visible to others only after UnitOfWork.commit()."""

    @abstractmethod
    async def add(self, user: NewUser) -> User:
        """Insert; raises AlreadyTaken when the username (case-insensitive) or email is in use."""

    @abstractmethod
    async def get(self, user_id: int) -> User | None: ...

    @abstractmethod
    async def find_by_document_id(self, document_id: str) -> User | None: ...

    @abstractmethod
    async def find_by_identifier(self, identifier: str) -> User | None:
        """Match an email or a username, case-insensitively."""

    @abstractmethod
    async def find_by_username(self, username: str) -> User | None:
        """Case-insensitive."""

    @abstractmethod
    async def find_by_email(self, email: str) -> User | None:
        """`email` is already lower-case."""

    @abstractmethod
    async def find_by_reset_code_hash(self, code_hash: str) -> User | None: ...

    @abstractmethod
    async def save(self, user: User) -> None:
        """Persist changes to an existing user (password, token version, reset code, blocked)."""

    @abstractmethod
    async def save_if_version(self, user: User, expected_token_version: int) -> bool:
        """save() as one compare-and-set: only while the stored token version is still
        `expected_token_version`. False, and nothing written, when another change got there first
        (a concurrent writer's commit decides; the loser sees it after waiting for it)."""


class ChatMessageRepository(Protocol):
    """Reading and deleting stored messages. Appending goes through MessageLog."""

    @abstractmethod
    async def get(self, document_id: str, user_id: int) -> ChatMessage | None:
        """The row, only if `user_id` authored it."""

    @abstractmethod
    async def list(self, query: MessageQuery) -> MessagePage: ...

    @abstractmethod
    async def delete(self, document_id: str, user_id: int) -> ChatMessage | None:
        """Remove the row if `user_id` authored it; returns what was removed."""


class UnitOfWork(Protocol):
    """One transaction per `async with` block; leaving it without commit() rolls back.

    The same object may be entered again after it exits: each entry is a new transaction.
    """

    users: UserRepository
    messages: ChatMessageRepository
    conversations: ConversationRepository

    @abstractmethod
    async def __aenter__(self) -> Self: ...

    @abstractmethod
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    @abstractmethod
    async def commit(self) -> None:
        """Make the writes durable; raises AlreadyTaken on a unique-constraint race."""


class MessageLog(Protocol):
    """Durable, idempotent append of chat messages.

    append() returns only once the row is committed (it is its own unit of work, so an
    implementation may commit the messages of many connections in one transaction). A draft
    whose (user_id, client_id) is already stored returns the original row and stores nothing.
    Raises StorageUnavailable when the database cannot be reached (a retry may succeed), and
    StorageRejected when it refuses the row itself, e.g. its author no longer exists (a retry cannot).
    """

    @abstractmethod
    async def append(self, draft: NewChatMessage) -> ChatMessage: ...
