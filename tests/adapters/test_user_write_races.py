"""Account changes that race each other, on every backend: a password change committed while a
forgot-password request or a block is between reading the account and writing it is never undone
(writing back the row as it was read would bring the old password and its revoked tokens back)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from chatapp.adapters.memory.events import RecordingEventPublisher
from chatapp.adapters.system import RandomIdGenerator, SystemClock
from chatapp.application.forgot_password import ForgotPassword
from chatapp.application.policy import Policy
from chatapp.application.set_user_blocked import SetUserBlocked
from chatapp.domain.user import User
from tests.adapters.conftest import Backend
from tests.adapters.factories import T0
from tests.unit.conftest import RecordingEmailSender

NEW_HASH = "$2b$04$" + "n" * 53


class PausedAfterReading:
    """A unit of work whose first look-up of a user waits, once it has read, until `go` is set."""

    def __init__(self, uow: Any) -> None:
        self._uow = uow
        self.read, self.go = asyncio.Event(), asyncio.Event()

    async def __aenter__(self) -> Any:
        entered = await self._uow.__aenter__()
        users = entered.users
        outer = self

        class Users(SimpleNamespace):
            def __getattr__(self, name: str) -> Any:
                return getattr(users, name)

            async def find_by_email(self, email: str) -> User | None:
                return await outer._paused(users.find_by_email(email))

            async def find_by_username(self, username: str) -> User | None:
                return await outer._paused(users.find_by_username(username))

        return SimpleNamespace(users=Users(), commit=entered.commit)

    async def __aexit__(self, *exc: object) -> Any:
        return await self._uow.__aexit__(*exc)

    async def _paused(self, look_up: Any) -> Any:
        user = await look_up
        if not self.read.is_set():
            self.read.set()
            await self.go.wait()
        return user


async def change_password(backend: Backend, user_id: int) -> None:
    """What ChangePassword commits."""
    async with backend.uow() as uow:
        user = await uow.users.get(user_id)
        read_version = user.token_version
        user.change_password(NEW_HASH, T0)
        assert await uow.users.save_if_version(user, read_version)
        await uow.commit()


async def while_paused(paused: PausedAfterReading, use_case: Any, meanwhile: Any) -> Any:
    running = asyncio.create_task(use_case)
    await paused.read.wait()
    await meanwhile
    paused.go.set()
    return await running


async def stored(backend: Backend, user_id: int) -> User:
    async with backend.read_only() as uow:
        user = await uow.users.get(user_id)
    assert user is not None
    return user


async def test_a_forgot_password_request_never_undoes_a_password_change_made_meanwhile(
    backend: Backend, add_user
) -> None:
    alice = await add_user("alice", "alice@example.com")
    paused, mailer = PausedAfterReading(backend.uow()), RecordingEmailSender()
    forgot = ForgotPassword(paused, RandomIdGenerator(), SystemClock(), mailer, Policy())

    await while_paused(paused, forgot("alice@example.com"), change_password(backend, alice.id))

    after = await stored(backend, alice.id)
    assert (after.password_hash, after.token_version) == (NEW_HASH, alice.token_version + 1)
    assert (after.reset_code_hash, mailer.sent) == (None, [])  # a code for the account as it was


async def test_a_block_raced_by_a_password_change_keeps_both(backend: Backend, add_user) -> None:
    alice = await add_user("alice")
    paused, events = PausedAfterReading(backend.uow()), RecordingEventPublisher()
    block = SetUserBlocked(paused, events)

    blocked = await while_paused(paused, block("alice", True), change_password(backend, alice.id))

    after = await stored(backend, alice.id)
    assert (after.blocked, after.password_hash) == (True, NEW_HASH)
    assert after.token_version == blocked.token_version == alice.token_version + 2
