"""RecentUsers: a caller remembered for a moment, forgotten as soon as their tokens are revoked."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace

import pytest

from chatapp.adapters.memory.conversation_directory import InMemoryConversationDirectory
from chatapp.adapters.memory.message_history import InMemoryMessageHistory
from chatapp.adapters.memory.user_directory import InMemoryUserDirectory
from chatapp.adapters.recent_users import RecentUsers
from chatapp.application.get_current_user import GetCurrentUser
from chatapp.application.live.hub import LiveHub
from chatapp.application.ports.user_directory import UserDirectory
from chatapp.domain.errors import Unauthenticated
from chatapp.domain.events import TokensRevoked
from chatapp.domain.user import User
from tests.adapters.factories import T0
from tests.unit.conftest import World


@dataclass
class Directory(UserDirectory):
    """Users set by the test; counts the reads that reach it. `gate`, if set, holds each read."""

    users: dict[int, User] = field(default_factory=dict)
    reads: int = 0
    gate: asyncio.Event | None = None
    reading: asyncio.Event = field(default_factory=asyncio.Event)

    async def get(self, user_id: int) -> User | None:
        self.reads += 1
        self.reading.set()
        if self.gate is not None:
            await self.gate.wait()
        return self.users.get(user_id)


@dataclass
class Clock:
    now: float = 100.0

    def __call__(self) -> float:
        return self.now


def user(user_id: int, token_version: int = 0, blocked: bool = False) -> User:
    return User(id=user_id, document_id=f"user{user_id}", username=f"user{user_id}", email=f"{user_id}@example.com",
                password_hash="hash", token_version=token_version, blocked=blocked, created_at=T0, updated_at=T0)


def remembering(directory: Directory, clock: Clock, capacity: int = 100) -> RecentUsers:
    return RecentUsers(directory, ttl=1.0, clock=clock, capacity=capacity)


async def test_a_user_read_is_remembered_for_the_ttl_then_read_again() -> None:
    directory, clock = Directory({1: user(1)}), Clock()
    users = remembering(directory, clock)

    assert (await users.get(1)) == user(1)
    clock.now += 0.9
    assert (await users.get(1)) == user(1)
    assert directory.reads == 1

    clock.now += 0.2
    directory.users[1] = user(1, token_version=1)  # revoked elsewhere, and the notice was lost
    assert (await users.get(1)) == user(1, token_version=1)
    assert directory.reads == 2


async def test_a_user_whose_tokens_are_revoked_is_forgotten_at_once() -> None:
    directory = Directory({1: user(1), 2: user(2)})
    users = remembering(directory, Clock())
    await users.get(1), await users.get(2)
    directory.users[1] = user(1, token_version=1)

    users.changed(1)

    assert (await users.get(1)) == user(1, token_version=1)
    assert (await users.get(2)) == user(2) and directory.reads == 3  # the other one is still remembered


async def test_neither_a_blocked_nor_an_unknown_user_is_remembered_so_an_unblock_counts_at_once() -> None:
    directory = Directory({1: user(1, blocked=True)})
    users = remembering(directory, Clock())

    assert (await users.get(1)) == user(1, blocked=True)
    assert (await users.get(2)) is None
    directory.users[1] = user(1, token_version=1)  # unblocked: that too revokes, but say it was unheard of
    assert (await users.get(1)) == user(1, token_version=1)
    assert directory.reads == 3 and len(users) == 1


async def test_a_read_under_way_when_a_change_is_heard_is_not_remembered() -> None:
    directory = Directory({1: user(1)}, gate=asyncio.Event())
    users = remembering(directory, Clock())
    reading = asyncio.create_task(users.get(1))
    await directory.reading.wait()

    users.changed(1)  # the revocation committed while the read was in flight: it may predate it
    directory.gate.set()  # type: ignore[union-attr]
    await reading

    assert len(users) == 0


async def test_past_its_capacity_the_oldest_user_is_forgotten_and_expired_ones_go_first() -> None:
    directory, clock = Directory({n: user(n) for n in range(1, 5)}), Clock()
    users = remembering(directory, clock, capacity=2)
    for n in (1, 2, 3):
        await users.get(n)
    assert len(users) == 2
    await users.get(1)  # forgotten when 3 came
    assert directory.reads == 4

    clock.now += 2.0
    await users.get(4)
    assert len(users) == 1


async def test_the_live_hub_tells_the_directory_of_every_revocation_its_own_and_relayed(world: World) -> None:
    """Relayed: what another process published (a password change there), heard through `receive`."""
    directory = Directory({1: user(1), 2: user(2)})
    users = remembering(directory, Clock())
    hub = LiveHub(InMemoryMessageHistory(world.db), InMemoryConversationDirectory(world.db),
                  encode=lambda event: "frame", users=users)
    await users.get(1), await users.get(2)
    directory.users = {1: user(1, token_version=1), 2: user(2, token_version=1)}

    hub.publish(TokensRevoked(user_id=1, token_version=1))
    hub.receive(TokensRevoked(user_id=2, token_version=1))

    assert [await users.get(1), await users.get(2)] == [user(1, token_version=1), user(2, token_version=1)]


async def test_a_token_newer_than_the_user_remembered_is_checked_against_a_fresh_read(world: World) -> None:
    """A password changed through another process: its new token comes before the notice does."""
    alice = (await world.register("alice")).user
    users = RecentUsers(InMemoryUserDirectory(world.db))
    old = world.tokens.issue(alice.id, alice.token_version)
    assert (await GetCurrentUser(users, world.tokens)(old)).id == alice.id  # now remembered
    world.db.users[alice.id] = replace(world.db.users[alice.id], token_version=alice.token_version + 1)
    new = world.tokens.issue(alice.id, alice.token_version + 1)

    assert (await GetCurrentUser(users, world.tokens)(new)).token_version == alice.token_version + 1
    with pytest.raises(Unauthenticated):  # and the fresh read is what is remembered now
        await GetCurrentUser(users, world.tokens)(old)
