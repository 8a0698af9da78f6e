from __future__ import annotations

import pytest

from chatapp.application.authenticate import Authenticate, Credentials
from chatapp.application.set_user_blocked import SetUserBlocked
from chatapp.domain.errors import AccountBlocked, InvalidCredentials, NotFound
from tests.unit.conftest import PASSWORD, World

INVALID = "^Invalid identifier or password$"


def authenticate(world: World) -> Authenticate:
    return Authenticate(world.uow(), world.hasher, world.tokens)


@pytest.mark.parametrize(
    "identifier", ["alice", "ALICE", "Alice@Example.com", "alice@example.com", " alice "]
)
async def test_email_or_username_signs_in_case_insensitively(world: World, identifier: str) -> None:
    registered = await world.register("Alice")

    signed_in = await authenticate(world)(Credentials(identifier=identifier, password=PASSWORD))

    assert signed_in.user.id == registered.user.id
    assert world.tokens.read(signed_in.jwt).user_id == registered.user.id


@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        ("nobody", PASSWORD),  # unknown identifier
        ("alice", "wrong password"),
        ("alice", PASSWORD.upper()),
        ("alice", PASSWORD + "x" * 80),  # over 72 bytes: bcrypt 5 would raise, it must just not match
        ("nobody", "x" * 100),
        ("alice", ""),
        ("alice\x00", PASSWORD),
    ],
)
async def test_unknown_user_and_wrong_password_get_the_same_error(
    world: World, identifier: str, password: str
) -> None:
    await world.register("alice")

    with pytest.raises(InvalidCredentials, match=INVALID):
        await authenticate(world)(Credentials(identifier=identifier, password=password))


async def test_a_blocked_user_is_told_so_only_with_the_right_password(world: World) -> None:
    await world.register("alice")
    await SetUserBlocked(world.uow(), world.events)("alice", blocked=True)

    with pytest.raises(AccountBlocked, match="^Your account has been blocked by an administrator$"):
        await authenticate(world)(Credentials(identifier="alice", password=PASSWORD))
    with pytest.raises(InvalidCredentials, match=INVALID):
        await authenticate(world)(Credentials(identifier="alice", password="wrong password"))


async def test_an_unblocked_user_signs_in_again(world: World) -> None:
    await world.register("alice")
    await SetUserBlocked(world.uow(), world.events)("alice", blocked=True)
    await SetUserBlocked(world.uow(), world.events)("ALICE", blocked=False)

    signed_in = await authenticate(world)(Credentials(identifier="alice", password=PASSWORD))

    assert not signed_in.user.blocked


async def test_blocking_an_unknown_user_is_not_found(world: World) -> None:
    with pytest.raises(NotFound):
        await SetUserBlocked(world.uow(), world.events)("nobody", blocked=True)
