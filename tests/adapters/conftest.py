"""The contract suite's backends: every test here runs on memory, SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from chatapp.adapters.memory.conversation_directory import InMemoryConversationDirectory
from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.adapters.memory.message_history import InMemoryMessageHistory
from chatapp.adapters.memory.message_log import InMemoryMessageLog
from chatapp.adapters.memory.unit_of_work import InMemoryUnitOfWork
from chatapp.adapters.memory.user_directory import InMemoryUserDirectory
from chatapp.adapters.sql.conversation_directory import SqlConversationDirectory
from chatapp.adapters.sql.database import make_engine, reading_only
from chatapp.adapters.sql.message_history import SqlMessageHistory
from chatapp.adapters.sql.message_log import SqlMessageLog
from chatapp.adapters.sql.unit_of_work import SqlReadOnlyUnitOfWork, SqlUnitOfWork
from chatapp.adapters.sql.user_directory import SqlUserDirectory
from chatapp.application.ports.conversations import ConversationDirectory, MessageHistory
from chatapp.application.ports.persistence import MessageLog, ReadOnlyUnitOfWork, UnitOfWork
from chatapp.application.ports.user_directory import UserDirectory
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.conversation import Conversation
from chatapp.domain.user import User
from tests.adapters.factories import T0, draft, new_conversation, new_user


@dataclass(slots=True)
class Backend:
    name: str
    uow: Callable[[], UnitOfWork]  # a new unit of work
    read_only: Callable[[], ReadOnlyUnitOfWork]
    log: MessageLog
    directory: ConversationDirectory
    history: MessageHistory
    users: UserDirectory


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def sql_url(request: pytest.FixtureRequest, sqlite_url: Callable[[], str]) -> str:
    """Each SQL database in turn: a new SQLite file, then a clean PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_url()
    return str(request.getfixturevalue("clean_postgres_url"))


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, sqlite_url: Callable[[], str]) -> str | None:
    """None stands for the in-memory adapters."""
    if request.param == "memory":
        return None
    if request.param == "sqlite":
        return sqlite_url()
    return str(request.getfixturevalue("clean_postgres_url"))


@pytest.fixture
async def backend(database_url: str | None) -> AsyncIterator[Backend]:
    if database_url is None:
        db = InMemoryDatabase()
        yield Backend(
            "memory",
            lambda: InMemoryUnitOfWork(db),
            lambda: InMemoryUnitOfWork(db),
            InMemoryMessageLog(db),
            InMemoryConversationDirectory(db),
            InMemoryMessageHistory(db),
            InMemoryUserDirectory(db),
        )
        return
    engine = make_engine(database_url)  # in this test's event loop
    read_only_engine = reading_only(engine)
    log = SqlMessageLog(engine)
    yield Backend(
        engine.dialect.name,
        lambda: SqlUnitOfWork(engine),
        lambda: SqlReadOnlyUnitOfWork(read_only_engine),
        log,
        SqlConversationDirectory(engine),
        SqlMessageHistory(engine),
        SqlUserDirectory(engine),
    )
    await log.aclose()
    await engine.dispose()


@pytest.fixture
def add_user(backend: Backend) -> Callable[..., Awaitable[User]]:
    """Register and commit a user: `await add_user("alice")`."""

    async def add(username: str, email: str | None = None) -> User:
        async with backend.uow() as uow:
            user = await uow.users.add(new_user(username, email))
            await uow.commit()
        return user

    return add


@pytest.fixture
def post(backend: Backend) -> Callable[..., Awaitable[ChatMessage]]:
    """Append a message through the log: `await post(alice, "hi", seconds=3)` (T0 + 3 s)."""

    async def append(
        author: User, message: str = "hello", *, seconds: float = 0, **fields: object
    ) -> ChatMessage:
        return await backend.log.append(draft(author, message, at=T0 + timedelta(seconds=seconds), **fields))

    return append


@pytest.fixture
def add_conversation(backend: Backend) -> Callable[..., Awaitable[Conversation]]:
    """Create and commit a conversation: `await add_conversation(alice, bob)` (a group alice owns)."""

    async def add(owner: User, *others: User, **options: object) -> Conversation:
        async with backend.uow() as uow:
            conversation = await uow.conversations.add(new_conversation(owner, *others, **options))  # type: ignore[arg-type]
            await uow.commit()
        return conversation

    return add
