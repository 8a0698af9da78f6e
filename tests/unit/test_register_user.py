from __future__ import annotations

import asyncio

import pytest

from chatapp.application.register_user import RegisterUser, RegisterUserCommand
from chatapp.domain.errors import AlreadyTaken, InvalidInput
from tests.unit.conftest import PASSWORD, World


async def test_registration_stores_the_user_and_signs_it_in(world: World) -> None:
    signed_in = await world.register("Alice", email="Alice@Example.COM")

    stored = world.db.users[signed_in.user.id]
    assert stored.username == "Alice"  # the case it was registered with
    assert stored.email == "alice@example.com"  # stored lower-case
    assert len(stored.document_id) == 24 and stored.document_id.isalnum() and stored.document_id.islower()
    assert world.tokens.read(signed_in.jwt).user_id == stored.id


async def test_the_password_is_stored_as_a_bcrypt_hash(world: World) -> None:
    signed_in = await world.register("alice")

    stored = world.db.users[signed_in.user.id]
    assert PASSWORD not in stored.password_hash
    assert stored.password_hash.startswith("$2")
    assert await world.hasher.verify(PASSWORD, stored.password_hash)


@pytest.mark.parametrize(
    ("username", "email"),
    [("ALICE", "other@example.com"), ("someone", "ALICE@example.com"), ("Alice", "alice@EXAMPLE.com")],
)
async def test_taken_username_or_email_is_refused_case_insensitively(
    world: World, username: str, email: str
) -> None:
    await world.register("alice")

    with pytest.raises(AlreadyTaken, match="^Email or Username are already taken$"):
        await world.register(username, email=email)
    assert len(world.db.users) == 1


async def test_two_concurrent_registrations_of_one_name_leave_one_account(world: World) -> None:
    # Each request has its own unit of work; both pass the "is it taken?" read before either inserts.
    def register(username: str, email: str) -> object:
        use_case = RegisterUser(world.uow(), world.hasher, world.tokens, world.ids, world.clock)
        return use_case(RegisterUserCommand(username=username, email=email, password=PASSWORD))

    results = await asyncio.gather(
        register("carol", "carol@example.com"),
        register("CAROL", "carol2@example.com"),
        return_exceptions=True,
    )

    assert sum(isinstance(r, AlreadyTaken) for r in results) == 1
    assert [u.username.lower() for u in world.db.users.values()] == ["carol"]


@pytest.mark.parametrize(
    ("username", "email", "password"),
    [
        ("ab", "ab@example.com", PASSWORD),  # username under 3 characters
        ("   ab   ", "ab@example.com", PASSWORD),  # ... after trimming
        ("alice", "not-an-email", PASSWORD),
        ("alice", "alice@example", PASSWORD),
        ("alice", "alice@example.com", "12345"),  # under 6 bytes
        ("alice", "alice@example.com", "x" * 73),  # over bcrypt's 72 bytes: refused, never truncated
        ("alice", "alice@example.com", "é" * 37),  # 37 characters but 74 bytes
        ("ali\x00ce", "alice@example.com", PASSWORD),  # NUL: PostgreSQL text cannot hold it
        ("alice", "alice\x00@example.com", PASSWORD),
    ],
)
async def test_invalid_fields_are_refused_and_nothing_is_stored(
    world: World, username: str, email: str, password: str
) -> None:
    with pytest.raises(InvalidInput):
        await world.register(username, email=email, password=password)
    assert world.db.users == {}


async def test_a_username_cannot_shadow_someones_email_login(world: World) -> None:
    """Login takes an email or a username: a username with `@` could answer for someone's email."""
    await world.register("alice")

    with pytest.raises(InvalidInput):
        await world.register("alice@example.com", email="mallory@example.com")
    with pytest.raises(InvalidInput):
        await world.register("mallory@", email="mallory@example.com")
    assert [u.username for u in world.db.users.values()] == ["alice"]


async def test_a_password_of_exactly_72_bytes_is_accepted_and_all_of_it_counts(world: World) -> None:
    password = "p" * 71 + "1"
    signed_in = await world.register("alice", password=password)

    stored = world.db.users[signed_in.user.id]
    assert await world.hasher.verify(password, stored.password_hash)
    assert not await world.hasher.verify("p" * 71 + "2", stored.password_hash)


@pytest.mark.parametrize(
    "username",
    ["ali\u200bce", "alice\u200d", "\ufeffalice", "bob\u202eevil", "al\tice", "alice\u00a0b", "line\u2028break"],
    ids=["zero-width-space", "zero-width-joiner", "bom", "bidi-override", "tab", "no-break-space", "line-separator"],
)
async def test_usernames_with_invisible_or_control_characters_are_refused(world: World, username: str) -> None:
    with pytest.raises(InvalidInput, match="invisible"):
        await world.register(username, email="someone@example.com")  # only the username is wrong


async def test_a_decomposed_username_is_stored_composed(world: World) -> None:
    signed_in = await world.register("e\u0301mile")

    assert world.db.users[signed_in.user.id].username == "\u00e9mile"
