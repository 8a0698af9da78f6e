"""UserDirectory contract (the caller's look-up outside any unit of work), on every backend."""

from __future__ import annotations

from dataclasses import replace

from tests.adapters.conftest import Backend
from tests.adapters.factories import new_user


async def test_a_committed_user_is_found_as_stored(backend: Backend, add_user) -> None:
    alice = await add_user("alice")

    found = await backend.users.get(alice.id)

    assert found == alice
    assert await backend.users.get(alice.id + 1000) is None


async def test_a_change_is_seen_once_committed_and_not_before(backend: Backend, add_user) -> None:
    """A block or a new token version revokes tokens: the next look-up after the commit must see it."""
    alice = await add_user("alice")
    blocked = replace(alice, blocked=True, token_version=alice.token_version + 1)

    async with backend.uow() as uow:
        assert await uow.users.save_if_version(blocked, alice.token_version)
        before_commit = await backend.users.get(alice.id)
        await uow.commit()
    after_commit = await backend.users.get(alice.id)

    assert (before_commit.blocked, before_commit.token_version) == (False, alice.token_version)
    assert (after_commit.blocked, after_commit.token_version) == (True, alice.token_version + 1)


async def test_a_user_registered_but_not_committed_is_not_found(backend: Backend) -> None:
    async with backend.uow() as uow:
        pending = await uow.users.add(new_user("bob"))
        assert await backend.users.get(pending.id) is None
