"""UserRepository, UnitOfWork and ReadOnlyUnitOfWork contract, on every backend."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from chatapp.application.ports.persistence import ReadOnlyUnitOfWork
from chatapp.application.query.filters import Condition, Operator
from chatapp.application.query.listing import ListQuery, OffsetWindow, SortKey
from chatapp.domain.errors import AlreadyTaken
from chatapp.domain.user import User
from tests.adapters.conftest import Backend
from tests.adapters.factories import T0, new_user


async def test_added_user_is_found_by_id_email_and_username(backend: Backend, add_user) -> None:
    alice = await add_user("Alice")

    async with backend.uow() as uow:
        found = [
            await uow.users.get(alice.id),
            await uow.users.find_by_email("alice@example.com"),
            await uow.users.find_by_username("aLICE"),
            await uow.users.find_by_identifier("ALICE"),
            await uow.users.find_by_identifier("Alice@Example.com"),
            await uow.users.find_by_document_id(alice.document_id),
        ]

    assert found == [alice] * 6
    assert isinstance(alice.id, int)
    assert (alice.username, alice.email, alice.provider) == ("Alice", "alice@example.com", "local")
    assert (alice.confirmed, alice.blocked, alice.token_version) == (True, False, 0)
    assert (alice.created_at, alice.updated_at, alice.published_at) == (T0, T0, T0)


async def test_unknown_users_are_none(backend: Backend, add_user) -> None:
    await add_user("alice")

    async with backend.uow() as uow:
        assert await uow.users.get(999) is None
        assert await uow.users.find_by_username("bob") is None
        assert await uow.users.find_by_identifier("bob@example.com") is None
        assert await uow.users.find_by_email("bob@example.com") is None
        assert await uow.users.find_by_reset_code_hash("nope") is None
        assert await uow.users.find_by_document_id("nope") is None
        assert await uow.users.find_by_document_id("no\x00pe") is None


async def test_ids_are_distinct_integers(add_user) -> None:
    users = [await add_user(name) for name in ("ann", "ben", "cat")]

    assert len({user.id for user in users}) == 3


@pytest.mark.parametrize(
    ("username", "email", "newcomer"),
    [("ALICE", "other@example.com", "other@example.com"), ("someone", "alice@example.com", "someone")],
    ids=["username-any-case", "email"],
)
async def test_taken_username_or_email_is_refused(
    backend: Backend, add_user, username, email, newcomer
) -> None:
    await add_user("alice")

    with pytest.raises(AlreadyTaken, match="Email or Username are already taken"):
        async with backend.uow() as uow:
            await uow.users.add(new_user(username, email))
            await uow.commit()

    async with backend.uow() as uow:
        assert await uow.users.find_by_identifier(newcomer) is None


@pytest.mark.parametrize(
    ("first", "twin"),
    [("Émile", "émile"), ("ＡＬＩＣＥ", "alice"), ("\u00e9mile", "e\u0301mile"), ("Straße", "STRASSE")],
    ids=["accented-case", "fullwidth", "composed-decomposed", "sharp-s"],
)
async def test_usernames_are_one_account_under_nfkc_case_folding_on_every_backend(
    backend: Backend, add_user, first: str, twin: str
) -> None:
    original = await add_user(first)

    with pytest.raises(AlreadyTaken):
        async with backend.uow() as uow:
            await uow.users.add(new_user(twin, "twin@example.com"))
            await uow.commit()

    async with backend.uow() as uow:
        assert (await uow.users.find_by_identifier(twin)) == original
        assert (await uow.users.find_by_username(twin)) == original


async def test_racing_registrations_of_one_name_let_exactly_one_win(backend: Backend) -> None:
    both_checked = asyncio.Barrier(2)

    async def register(email: str) -> User:
        async with backend.uow() as uow:
            assert await uow.users.find_by_username("alice") is None
            await both_checked.wait()  # both passed the check-then-insert gap
            user = await uow.users.add(new_user("alice", email))
            await uow.commit()
            return user

    results = await asyncio.gather(
        register("a1@example.com"), register("a2@example.com"), return_exceptions=True
    )

    assert sorted(type(result).__name__ for result in results) == ["AlreadyTaken", "User"]
    async with backend.uow() as uow:
        winner = next(result for result in results if isinstance(result, User))
        assert await uow.users.find_by_username("alice") == winner


async def test_saved_changes_round_trip(backend: Backend, add_user) -> None:
    alice = await add_user("alice")
    changed = replace(
        alice,
        password_hash="$2b$04$" + "y" * 53,
        token_version=alice.token_version + 1,
        reset_code_hash="c0ffee",
        reset_code_expires_at=T0 + timedelta(hours=1),
        password_changed_at=T0 + timedelta(minutes=5),
        blocked=True,
    )

    async with backend.uow() as uow:
        assert await uow.users.save_if_version(changed, alice.token_version)
        await uow.commit()

    async with backend.uow() as uow:
        stored = await uow.users.find_by_reset_code_hash("c0ffee")
    assert stored is not None
    assert replace(stored, updated_at=changed.updated_at) == changed  # SQL may touch updated_at


async def test_save_if_version_writes_only_over_the_expected_version(backend: Backend, add_user) -> None:
    alice = await add_user("alice")
    changed = replace(alice, password_hash="$2b$04$" + "z" * 53, token_version=alice.token_version + 1)

    async with backend.uow() as uow:
        assert not await uow.users.save_if_version(changed, alice.token_version + 7)
        assert await uow.users.save_if_version(changed, alice.token_version)
        await uow.commit()

    async with backend.uow() as uow:
        stored = await uow.users.get(alice.id)
    assert stored is not None and (stored.password_hash, stored.token_version) == (changed.password_hash, 1)


async def test_parallel_compare_and_sets_on_one_version_let_exactly_one_win(backend: Backend, add_user) -> None:
    alice = await add_user("alice")

    async def change(n: int) -> bool:
        async with backend.uow() as uow:
            user = await uow.users.get(alice.id)
            assert user is not None
            user.password_hash = f"$2b$04${n:053d}"
            user.revoke_tokens()
            won = await uow.users.save_if_version(user, alice.token_version)
            await uow.commit()
        return won

    results = await asyncio.gather(*(change(n) for n in range(8)))

    assert results.count(True) == 1
    async with backend.uow() as uow:
        stored = await uow.users.get(alice.id)
    assert stored is not None and stored.token_version == alice.token_version + 1


async def test_reset_code_can_be_cleared(backend: Backend, add_user) -> None:
    alice = await add_user("alice")
    async with backend.uow() as uow:
        assert await uow.users.save_if_version(replace(alice, reset_code_hash="c0ffee", reset_code_expires_at=T0), 0)
        await uow.commit()

    async with backend.uow() as uow:
        assert await uow.users.save_if_version(replace(alice, reset_code_hash=None, reset_code_expires_at=None), 0)
        await uow.commit()

    async with backend.uow() as uow:
        assert await uow.users.find_by_reset_code_hash("c0ffee") is None
        assert (await uow.users.get(alice.id)).reset_code_expires_at is None


async def test_leaving_without_commit_stores_nothing(backend: Backend, add_user) -> None:
    alice = await add_user("alice")

    async with backend.uow() as uow:
        await uow.users.add(new_user("bob"))
        assert await uow.users.save_if_version(replace(alice, blocked=True, token_version=7), 0)

    async with backend.uow() as uow:
        assert await uow.users.find_by_username("bob") is None
        assert await uow.users.get(alice.id) == alice


async def test_a_failed_block_rolls_back_its_writes(backend: Backend, add_user) -> None:
    await add_user("alice")

    with pytest.raises(RuntimeError):
        async with backend.uow() as uow:
            await uow.users.add(new_user("bob"))
            raise RuntimeError("use case failed")

    async with backend.uow() as uow:
        assert await uow.users.find_by_username("bob") is None


async def test_writes_after_a_commit_in_the_same_block_are_rolled_back_without_another(backend: Backend) -> None:
    async with backend.uow() as uow:
        bob = await uow.users.add(new_user("bob"))
        await uow.commit()
        await uow.users.add(new_user("carol"))
        assert await uow.users.get(bob.id) == bob  # the block still reads, after its commit

    async with backend.uow() as uow:
        assert await uow.users.find_by_username("bob") == bob
        assert await uow.users.find_by_username("carol") is None


async def test_one_unit_of_work_can_be_entered_again(backend: Backend) -> None:
    uow = backend.uow()
    async with uow:
        bob = await uow.users.add(new_user("bob"))
        await uow.commit()

    async with uow:
        assert await uow.users.get(bob.id) == bob


async def test_a_read_only_unit_of_work_sees_each_commit_made_before_its_statement(
    backend: Backend, add_user
) -> None:
    """What a caller's look-up relies on: a password change counts from its commit on, not before."""
    alice = await add_user("alice")

    async def token_version(reads: ReadOnlyUnitOfWork) -> int | None:
        user = await reads.users.get(alice.id)
        return None if user is None else user.token_version

    async with backend.read_only() as reads:
        assert await token_version(reads) == 0
        async with backend.uow() as uow:
            assert await uow.users.save_if_version(replace(alice, token_version=1), 0)
            assert await token_version(reads) == 0
            await uow.commit()
        assert await token_version(reads) == 1


async def test_search_filters_public_fields_in_order_and_window(backend: Backend, add_user) -> None:
    for name in ("alice", "Albert", "bob", "alfred"):
        await add_user(name)
    starts_al = Condition("username", Operator.STARTS_WITHI, "AL")

    async with backend.uow() as uow:
        found = await uow.users.search(ListQuery(filter=starts_al, sort=(SortKey("username"),)))
        second = await uow.users.search(
            ListQuery(filter=starts_al, sort=(SortKey("id", descending=True),), window=OffsetWindow(1, 1))
        )
        uncounted = await uow.users.search(ListQuery(filter=starts_al, with_count=False))
        exact = await uow.users.search(ListQuery(filter=Condition("username", Operator.EQI, "BOB")))

    assert ([u.username for u in found.items], found.total) == (["Albert", "alfred", "alice"], 3)
    assert ([u.username for u in second.items], second.total) == (["Albert"], 3)
    assert (len(uncounted.items), uncounted.total) == (3, None)
    assert [u.username for u in exact.items] == ["bob"]
