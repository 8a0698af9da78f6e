from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from chatapp.application.ports.conversation_repository import ConversationRepository
from chatapp.application.query.listing import ListQuery, Slice
from chatapp.domain.chat_message import ChatMessage, NewChatMessage
from chatapp.domain.user import NewUser, User


@dataclass(slots=True, frozen=True)
class AuthoredBy:
    """The messages `user_id` wrote: the rows a personal listing may ever see."""

    user_id: int


@dataclass(slots=True, frozen=True)
class InConversation:
    """Every message of the conversation (any author), while `member_id` is one of its members
    (otherwise none)."""

    conversation_id: int
    member_id: int


MessageScope = AuthoredBy | InConversation


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
    async def search(self, query: ListQuery) -> Slice[User]:
        """Users matching `query` (fields of resources.PUBLIC_USERS), in its order and window."""

    @abstractmethod
    async def save_if_version(self, user: User, expected_token_version: int) -> bool:
        """Persist changes to an existing user (password, token version, reset code, blocked) as
        one compare-and-set: only while the stored token version is still `expected_token_version`.
        False, and nothing written, when another change got there first (a concurrent writer's
        commit decides; the loser sees it after waiting for it). There is no unconditional save: a
        write of the whole row read earlier would undo a password change or a block made meanwhile."""


class ChatMessageRepository(Protocol):
    """Reading and deleting stored messages. Appending goes through MessageLog."""

    @abstractmethod
    async def get(self, document_id: str, user_id: int) -> ChatMessage | None:
        """The row, only if `user_id` authored it."""

    @abstractmethod
    async def list(self, scope: MessageScope, query: ListQuery) -> Slice[ChatMessage]:
        """The rows of `scope` matching `query` (fields of resources.CHAT_SESSIONS), in its order
        (exactly as given) and window; `total` is None unless `query.with_count`."""

    @abstractmethod
    async def edit(self, document_id: str, user_id: int, message: str, at: datetime) -> ChatMessage | None:
        """Replace the text of the row if `user_id` authored it (updatedAt = `at`); the row as now."""

    @abstractmethod
    async def delete(self, document_id: str, user_id: int) -> ChatMessage | None:
        """Remove the row if `user_id` authored it; returns what was removed. Of concurrent
        deletes of one row, exactly one returns it (the others see None)."""


class ReadOnlyUnitOfWork(Protocol):
    """The repositories for an `async with` block that only reads: no transaction is opened for it,
    so each statement sees what was committed before it began (as each statement of a READ
    COMMITTED transaction does). Nothing may be written through it: it has no commit().

    The same object may be entered again after it exits.
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


class UnitOfWork(ReadOnlyUnitOfWork, Protocol):
    """One transaction per `async with` block; leaving it without commit() rolls back.

    The same object may be entered again after it exits: each entry is a new transaction.
    """

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
