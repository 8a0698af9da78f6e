"""Changing a password, and resetting a forgotten one with an emailed code."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chatapp.adapters.memory.user_directory import InMemoryUserDirectory
from chatapp.application.authenticate import Authenticate, Credentials
from chatapp.application.change_password import ChangePassword, ChangePasswordCommand
from chatapp.application.forgot_password import ForgotPassword
from chatapp.application.get_current_user import GetCurrentUser
from chatapp.application.reset_password import ResetPassword, ResetPasswordCommand
from chatapp.application.results import SignedIn
from chatapp.domain.errors import InvalidCredentials, InvalidInput, Unauthenticated
from tests.unit.conftest import PASSWORD, World

NEW_PASSWORD = "battery staple"
BAD_CODE = "^Incorrect code provided$"


async def sign_in(world: World, password: str, identifier: str = "alice") -> SignedIn:
    return await Authenticate(world.uow(), world.hasher, world.tokens)(
        Credentials(identifier=identifier, password=password)
    )


async def token_works(world: World, token: str) -> bool:
    try:
        await GetCurrentUser(InMemoryUserDirectory(world.db), world.tokens)(token)
    except Unauthenticated:
        return False
    return True


async def change(world: World, signed_in: SignedIn, current: str, new: str, confirmation: str) -> SignedIn:
    user = await GetCurrentUser(InMemoryUserDirectory(world.db), world.tokens)(signed_in.jwt)
    command = ChangePasswordCommand(
        user=user, current_password=current, password=new, password_confirmation=confirmation
    )
    return await ChangePassword(world.uow(), world.hasher, world.tokens, world.clock, world.events)(command)


async def forgot(world: World, email: str) -> None:
    await ForgotPassword(world.uow(), world.ids, world.clock, world.mailer, world.policy)(email)


async def reset(
    world: World, code: str, password: str = NEW_PASSWORD, confirmation: str | None = None
) -> SignedIn:
    command = ResetPasswordCommand(
        code=code, password=password, password_confirmation=password if confirmation is None else confirmation
    )
    return await ResetPassword(world.uow(), world.hasher, world.tokens, world.clock, world.events)(command)


class TestChangePassword:
    async def test_the_new_password_replaces_the_old_one(self, world: World) -> None:
        alice = await world.register("alice")

        changed = await change(world, alice, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)

        assert await token_works(world, changed.jwt)
        assert (await sign_in(world, NEW_PASSWORD)).user.id == alice.user.id
        with pytest.raises(InvalidCredentials):
            await sign_in(world, PASSWORD)

    async def test_tokens_issued_before_the_change_stop_working_even_in_the_same_second(
        self, world: World
    ) -> None:
        alice = await world.register("alice")
        other_device = await sign_in(world, PASSWORD)

        changed = await change(world, alice, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)

        assert changed.jwt != alice.jwt  # the clock has not moved: only the token version differs
        assert not await token_works(world, alice.jwt)
        assert not await token_works(world, other_device.jwt)
        assert await token_works(world, changed.jwt)

    async def test_a_wrong_current_password_changes_nothing(self, world: World) -> None:
        alice = await world.register("alice")

        with pytest.raises(InvalidInput, match="^The provided current password is invalid$"):
            await change(world, alice, "not my password", NEW_PASSWORD, NEW_PASSWORD)

        assert await token_works(world, alice.jwt)
        assert (await sign_in(world, PASSWORD)).user.id == alice.user.id

    async def test_a_mismatched_confirmation_changes_nothing(self, world: World) -> None:
        alice = await world.register("alice")

        with pytest.raises(InvalidInput, match="^Passwords do not match$"):
            await change(world, alice, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!")

        assert await token_works(world, alice.jwt)

    @pytest.mark.parametrize("new", ["short", "x" * 73])
    async def test_an_invalid_new_password_is_refused(self, world: World, new: str) -> None:
        alice = await world.register("alice")

        with pytest.raises(InvalidInput):
            await change(world, alice, PASSWORD, new, new)

        assert await token_works(world, alice.jwt)


class TestForgotPassword:
    async def test_a_known_email_gets_a_one_time_code_stored_only_as_a_hash(self, world: World) -> None:
        alice = await world.register("alice")

        await forgot(world, "ALICE@example.com")

        [mail] = world.mailer.sent
        assert (mail.email, mail.username) == ("alice@example.com", "alice")
        assert len(mail.code) >= 32
        stored = world.db.users[alice.user.id]
        assert stored.reset_code_hash is not None and mail.code not in stored.reset_code_hash
        assert mail.code not in repr(stored)

    async def test_an_unknown_email_gets_the_same_answer_and_no_mail(self, world: World) -> None:
        await world.register("alice")

        assert await forgot(world, "nobody@example.com") is None
        assert await forgot(world, "alice@example.com") is None
        assert [mail.email for mail in world.mailer.sent] == ["alice@example.com"]

    @pytest.mark.parametrize("email", ["not-an-email", "alice\x00@example.com"])
    async def test_a_malformed_email_is_invalid(self, world: World, email: str) -> None:
        await world.register("alice")

        with pytest.raises(InvalidInput):
            await forgot(world, email)
        assert world.mailer.sent == []

    async def test_a_new_code_replaces_the_previous_one(self, world: World) -> None:
        await world.register("alice")
        await forgot(world, "alice@example.com")
        await forgot(world, "alice@example.com")
        first, second = (mail.code for mail in world.mailer.sent)

        with pytest.raises(InvalidInput, match=BAD_CODE):
            await reset(world, first)
        await reset(world, second)


class TestResetPassword:
    async def test_a_code_sets_the_new_password_and_revokes_older_tokens(self, world: World) -> None:
        alice = await world.register("alice")
        await forgot(world, "alice@example.com")

        done = await reset(world, world.mailer.sent[0].code)

        assert done.user.id == alice.user.id
        assert await token_works(world, done.jwt)
        assert not await token_works(world, alice.jwt)  # same second, older token version
        assert (await sign_in(world, NEW_PASSWORD)).user.id == alice.user.id
        with pytest.raises(InvalidCredentials):
            await sign_in(world, PASSWORD)

    async def test_a_code_works_only_once(self, world: World) -> None:
        await world.register("alice")
        await forgot(world, "alice@example.com")
        code = world.mailer.sent[0].code
        await reset(world, code)

        with pytest.raises(InvalidInput, match=BAD_CODE):
            await reset(world, code, password="a third password")
        assert (await sign_in(world, NEW_PASSWORD)).user.username == "alice"

    async def test_a_code_still_works_just_before_the_hour_is_up(self, world: World) -> None:
        await world.register("alice")
        await forgot(world, "alice@example.com")

        world.clock.advance(timedelta(minutes=59, seconds=59))

        await reset(world, world.mailer.sent[0].code)
        assert (await sign_in(world, NEW_PASSWORD)).user.username == "alice"

    async def test_a_code_expires_after_one_hour(self, world: World) -> None:
        await world.register("alice")
        await forgot(world, "alice@example.com")

        world.clock.advance(timedelta(hours=1))

        with pytest.raises(InvalidInput, match=BAD_CODE):
            await reset(world, world.mailer.sent[0].code)
        assert (await sign_in(world, PASSWORD)).user.username == "alice"

    @pytest.mark.parametrize("code", ["", "0" * 64, "not-the-code"])
    async def test_an_unknown_code_is_refused(self, world: World, code: str) -> None:
        await world.register("alice")
        await forgot(world, "alice@example.com")

        with pytest.raises(InvalidInput, match=BAD_CODE):
            await reset(world, code)
        assert (await sign_in(world, PASSWORD)).user.username == "alice"

    async def test_a_failed_reset_does_not_consume_the_code(self, world: World) -> None:
        await world.register("alice")
        await forgot(world, "alice@example.com")
        code = world.mailer.sent[0].code

        with pytest.raises(InvalidInput, match="^Passwords do not match$"):
            await reset(world, code, confirmation=NEW_PASSWORD + "!")
        with pytest.raises(InvalidInput):
            await reset(world, code, password="short")
        with pytest.raises(InvalidInput):
            await reset(world, code, password="x" * 73)

        await reset(world, code)
        assert (await sign_in(world, NEW_PASSWORD)).user.username == "alice"
