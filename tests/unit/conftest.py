"""Use cases on the in-memory adapters, with a clock and a mailbox the tests control. No framework."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from chatapp.adapters.memory.conversation_directory import InMemoryConversationDirectory
from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.adapters.memory.events import RecordingEventPublisher
from chatapp.adapters.memory.message_log import InMemoryMessageLog
from chatapp.adapters.memory.unit_of_work import InMemoryUnitOfWork
from chatapp.adapters.security.bcrypt_hasher import BcryptPasswordHasher
from chatapp.adapters.security.jwt_tokens import JwtTokenIssuer
from chatapp.adapters.system import RandomIdGenerator, SystemClock
from chatapp.application.policy import Policy
from chatapp.application.ports.system import Clock, EmailSender
from chatapp.application.register_user import RegisterUser, RegisterUserCommand
from chatapp.application.results import SignedIn

SECRET = "unit-test-secret-long-enough-for-hs256-hs384-and-hs512-signatures!"
PASSWORD = "correct horse"


class FakeClock(Clock):
    """Stands still until told to move; starts at the real time so PyJWT's own expiry check agrees."""

    def __init__(self) -> None:
        self.moment = SystemClock().now()

    def now(self) -> datetime:
        return self.moment

    def advance(self, delta: timedelta) -> None:
        self.moment += delta


@dataclass(slots=True, frozen=True)
class Mail:
    email: str
    username: str
    code: str


@dataclass(slots=True)
class RecordingEmailSender(EmailSender):
    sent: list[Mail] = field(default_factory=list)

    async def send_password_reset(self, email: str, username: str, code: str) -> None:
        self.sent.append(Mail(email, username, code))


@dataclass(slots=True)
class World:
    """Everything a use case may need, wired like the composition root does with the memory adapters."""

    db: InMemoryDatabase
    clock: FakeClock
    mailer: RecordingEmailSender
    hasher: BcryptPasswordHasher
    tokens: JwtTokenIssuer
    ids: RandomIdGenerator
    policy: Policy
    events: RecordingEventPublisher = field(default_factory=RecordingEventPublisher)

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.db)

    def log(self) -> InMemoryMessageLog:
        return InMemoryMessageLog(self.db)

    def directory(self) -> InMemoryConversationDirectory:
        return InMemoryConversationDirectory(self.db)

    async def register(self, username: str, password: str = PASSWORD, email: str | None = None) -> SignedIn:
        use_case = RegisterUser(self.uow(), self.hasher, self.tokens, self.ids, self.clock)
        command = RegisterUserCommand(
            username=username, email=email or f"{username.lower()}@example.com", password=password
        )
        return await use_case(command)


@pytest.fixture(scope="session")
def hasher() -> BcryptPasswordHasher:
    return BcryptPasswordHasher(4)


@pytest.fixture
def world(hasher: BcryptPasswordHasher) -> World:
    clock = FakeClock()
    return World(
        db=InMemoryDatabase(),
        clock=clock,
        mailer=RecordingEmailSender(),
        hasher=hasher,
        tokens=JwtTokenIssuer(SECRET, timedelta(days=30), clock),
        ids=RandomIdGenerator(),
        policy=Policy(),
    )
