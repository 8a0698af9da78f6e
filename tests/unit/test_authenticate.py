from __future__ import annotations

import bcrypt
import pytest

from chatapp.adapters.security.bcrypt_hasher import BcryptPasswordHasher
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


@pytest.fixture
def bcrypt_checks(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The cost prefix (b"$2b$05$") of every hash that bcrypt.checkpw checks a password against."""
    checks: list[bytes] = []
    check = bcrypt.checkpw

    def recording(password: bytes, hashed: bytes) -> bool:
        checks.append(hashed[:7])
        return check(password, hashed)

    monkeypatch.setattr(bcrypt, "checkpw", recording)
    return checks


@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        ("alice", "wrong password"),  # the reference: a known account
        ("nobody", "wrong password"),
        ("nobody@example.com", PASSWORD),
        ("alice\x00", PASSWORD),  # never looked up
        ("nobody", "x" * 100),  # over 72 bytes
        ("alice", "x" * 100),
    ],
)
async def test_a_failed_login_does_the_same_work_whether_or_not_the_account_exists(
    world: World, bcrypt_checks: list[bytes], identifier: str, password: str
) -> None:
    """Timing cannot tell who has an account: one bcrypt check, at the accounts' own cost, each time."""
    world.hasher = BcryptPasswordHasher(rounds=5)  # not bcrypt's default, nor the suite's 4
    alice = await world.register("alice")
    bcrypt_checks.clear()

    with pytest.raises(InvalidCredentials, match=INVALID):
        await authenticate(world)(Credentials(identifier=identifier, password=password))

    assert bcrypt_checks == [alice.user.password_hash[:7].encode()] == [b"$2b$05$"]


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
