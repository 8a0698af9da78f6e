"""Change-password, forgot-password and reset-password over HTTP (expiry is covered in tests/unit)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import PASSWORD, Account, assert_error

NEW = "new password"
BAD_CODE = "Incorrect code provided"


def login(client: TestClient[Litestar], password: str) -> Any:
    return client.post("/api/auth/local", json={"identifier": "alice", "password": password})


def me(client: TestClient[Litestar], token: str) -> Any:
    return client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"})


def change(client: TestClient[Litestar], account: Account, current: str, new: str, confirmation: str) -> Any:
    return client.post(
        "/api/auth/change-password",
        headers=account.headers,
        json={"currentPassword": current, "password": new, "passwordConfirmation": confirmation},
    )


def request_code(client: TestClient[Litestar], caplog: pytest.LogCaptureFixture, email: str) -> list[str]:
    """Ask for a reset mail; returns the codes the log EmailSender wrote for it."""
    caplog.clear()
    with caplog.at_level("INFO"):
        response = client.post("/api/auth/forgot-password", json={"email": email})
    assert response.status_code == 200, response.text
    assert response.json() == {"ok": True}
    return re.findall(r"code=(\S+)", caplog.text)


def reset(client: TestClient[Litestar], code: Any, password: str = NEW, confirmation: str = NEW) -> Any:
    return client.post(
        "/api/auth/reset-password",
        json={"code": code, "password": password, "passwordConfirmation": confirmation},
    )


class TestChangePassword:
    def test_the_new_password_works_and_the_old_one_does_not(
        self, client: TestClient[Litestar], alice: Account
    ) -> None:
        response = change(client, alice, PASSWORD, NEW, NEW)

        assert response.status_code == 200, response.text
        assert me(client, response.json()["jwt"]).json()["id"] == alice.user["id"]
        assert login(client, NEW).status_code == 200
        assert_error(login(client, PASSWORD), 400, "ValidationError", "Invalid identifier or password")

    def test_a_wrong_current_password_is_refused(self, client: TestClient[Litestar], alice: Account) -> None:
        response = change(client, alice, "not my password", NEW, NEW)

        assert_error(response, 400, "ValidationError", "The provided current password is invalid")
        assert login(client, PASSWORD).status_code == 200
        assert me(client, alice.jwt).status_code == 200

    def test_a_mismatched_confirmation_is_refused(self, client: TestClient[Litestar], alice: Account) -> None:
        response = change(client, alice, PASSWORD, NEW, NEW + "!")

        assert_error(response, 400, "ValidationError", "Passwords do not match")
        assert login(client, PASSWORD).status_code == 200

    @pytest.mark.parametrize("new", ["short", "x" * 73])
    def test_an_invalid_new_password_is_refused(
        self, client: TestClient[Litestar], alice: Account, new: str
    ) -> None:
        assert_error(change(client, alice, PASSWORD, new, new), 400, "ValidationError")
        assert login(client, PASSWORD).status_code == 200

    def test_a_current_password_over_72_bytes_is_just_wrong(
        self, client: TestClient[Litestar], alice: Account
    ) -> None:
        response = change(client, alice, "x" * 100, NEW, NEW)

        assert_error(response, 400, "ValidationError", "The provided current password is invalid")

    def test_it_needs_a_valid_token(self, client: TestClient[Litestar], alice: Account) -> None:
        body = {"currentPassword": PASSWORD, "password": NEW, "passwordConfirmation": NEW}

        assert_error(client.post("/api/auth/change-password", json=body), 401, "UnauthorizedError")
        assert login(client, PASSWORD).status_code == 200


class TestForgotPassword:
    def test_known_and_unknown_emails_get_the_same_answer(
        self, client: TestClient[Litestar], alice: Account, caplog: pytest.LogCaptureFixture
    ) -> None:
        known = client.post("/api/auth/forgot-password", json={"email": "alice@example.com"})
        unknown = client.post("/api/auth/forgot-password", json={"email": "nobody@example.com"})

        assert (
            (known.status_code, known.json()) == (unknown.status_code, unknown.json()) == (200, {"ok": True})
        )

    def test_the_code_reaches_the_email_sender_for_the_account_only(
        self, client: TestClient[Litestar], alice: Account, caplog: pytest.LogCaptureFixture
    ) -> None:
        codes = request_code(client, caplog, "ALICE@example.com")

        assert len(codes) == 1
        [line] = [r.getMessage() for r in caplog.records if "code=" in r.getMessage()]
        assert "alice@example.com" in line
        assert request_code(client, caplog, "nobody@example.com") == []

    @pytest.mark.parametrize("email", ["not-an-email", "", 42, "alice\x00@example.com"])
    def test_a_malformed_email_is_a_validation_error(
        self, client: TestClient[Litestar], alice: Account, email: Any
    ) -> None:
        assert_error(client.post("/api/auth/forgot-password", json={"email": email}), 400, "ValidationError")


class TestResetPassword:
    def test_a_code_resets_the_password_once(
        self, client: TestClient[Litestar], alice: Account, caplog: pytest.LogCaptureFixture
    ) -> None:
        [code] = request_code(client, caplog, "alice@example.com")

        response = reset(client, code)

        assert response.status_code == 200, response.text
        assert response.json()["user"]["id"] == alice.user["id"]
        assert me(client, response.json()["jwt"]).status_code == 200
        assert login(client, NEW).status_code == 200
        assert_error(
            reset(client, code, "third password", "third password"), 400, "ValidationError", BAD_CODE
        )
        assert login(client, NEW).status_code == 200

    def test_tokens_issued_before_the_reset_stop_working_even_in_the_same_second(
        self, client: TestClient[Litestar], alice: Account, caplog: pytest.LogCaptureFixture
    ) -> None:
        [code] = request_code(client, caplog, "alice@example.com")
        fresh = login(client, PASSWORD).json()["jwt"]

        assert reset(client, code).status_code == 200

        assert_error(me(client, alice.jwt), 401, "UnauthorizedError")
        assert_error(me(client, fresh), 401, "UnauthorizedError")

    @pytest.mark.parametrize("code", ["wrong", "", "0" * 64, 12345])
    def test_an_unknown_code_is_refused(
        self, client: TestClient[Litestar], alice: Account, caplog: pytest.LogCaptureFixture, code: Any
    ) -> None:
        request_code(client, caplog, "alice@example.com")

        assert_error(reset(client, code), 400, "ValidationError", None if isinstance(code, int) else BAD_CODE)
        assert login(client, PASSWORD).status_code == 200

    def test_a_failed_reset_leaves_the_code_usable(
        self, client: TestClient[Litestar], alice: Account, caplog: pytest.LogCaptureFixture
    ) -> None:
        [code] = request_code(client, caplog, "alice@example.com")

        assert_error(reset(client, code, NEW, NEW + "!"), 400, "ValidationError", "Passwords do not match")
        assert_error(reset(client, code, "short", "short"), 400, "ValidationError")
        assert_error(reset(client, code, "x" * 73, "x" * 73), 400, "ValidationError")

        assert reset(client, code).status_code == 200
        assert login(client, NEW).status_code == 200

    def test_only_the_latest_code_works(
        self, client: TestClient[Litestar], alice: Account, caplog: pytest.LogCaptureFixture
    ) -> None:
        [first] = request_code(client, caplog, "alice@example.com")
        [second] = request_code(client, caplog, "alice@example.com")

        assert_error(reset(client, first), 400, "ValidationError", BAD_CODE)
        assert reset(client, second).status_code == 200
