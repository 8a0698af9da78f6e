"""The user object: exactly Strapi's public fields on every route, never a password, hash or reset code."""

from __future__ import annotations

import re
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import PASSWORD, USER_FIELDS, Account, assert_error, register

ISO_MILLIS_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
SECRETS = ("password", "hash", "reset", "token", "code", "$2b$")


def assert_public_user(user: dict[str, Any], username: str) -> None:
    assert set(user) == USER_FIELDS
    assert not any(
        secret in key.lower() or secret in str(value) for key, value in user.items() for secret in SECRETS
    )
    assert isinstance(user["id"], int) and not isinstance(user["id"], bool)
    assert re.fullmatch(r"[a-z0-9]{24}", user["documentId"])
    assert (user["username"], user["email"]) == (username, f"{username.lower()}@example.com")
    assert (user["provider"], user["confirmed"], user["blocked"]) == ("local", True, False)
    for stamp in ("createdAt", "updatedAt", "publishedAt"):
        assert ISO_MILLIS_Z.match(user[stamp]), user[stamp]


def test_register_answers_a_token_and_the_public_user(client: TestClient[Litestar]) -> None:
    response = client.post(
        "/api/auth/local/register",
        json={"username": "Alice", "email": "ALICE@Example.com", "password": PASSWORD},
    )

    assert response.status_code == 200, response.text
    assert set(response.json()) == {"jwt", "user"}
    assert_public_user(response.json()["user"], "Alice")  # username keeps its case, email is lower-cased


def test_login_answers_the_public_user(client: TestClient[Litestar], alice: Account) -> None:
    response = client.post("/api/auth/local", json={"identifier": "alice", "password": PASSWORD})

    assert response.status_code == 200, response.text
    assert_public_user(response.json()["user"], "alice")
    assert response.json()["user"] == alice.user


def test_me_answers_the_public_user_of_the_token(
    client: TestClient[Litestar], alice: Account, bob: Account
) -> None:
    response = client.get("/api/users/me", headers=bob.headers)

    assert response.status_code == 200, response.text
    assert_public_user(response.json(), "bob")
    assert response.json() == bob.user


def test_change_and_reset_password_answer_the_public_user(
    client: TestClient[Litestar], alice: Account, caplog: pytest.LogCaptureFixture
) -> None:
    changed = client.post(
        "/api/auth/change-password",
        headers=alice.headers,
        json={
            "currentPassword": PASSWORD,
            "password": "new password",
            "passwordConfirmation": "new password",
        },
    )
    assert changed.status_code == 200, changed.text
    assert_public_user(changed.json()["user"], "alice")

    with caplog.at_level("INFO"):
        assert client.post("/api/auth/forgot-password", json={"email": "alice@example.com"}).json() == {
            "ok": True
        }
    [code] = re.findall(r"code=(\S+)", caplog.text)
    reset = client.post(
        "/api/auth/reset-password",
        json={"code": code, "password": "newer password", "passwordConfirmation": "newer password"},
    )
    assert reset.status_code == 200, reset.text
    assert_public_user(reset.json()["user"], "alice")


def test_me_without_a_valid_token_is_unauthorized(client: TestClient[Litestar], alice: Account) -> None:
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": f"Token {alice.jwt}"},
        {"Authorization": "Bearer not-a-jwt"},
    ):
        assert_error(client.get("/api/users/me", headers=headers), 401, "UnauthorizedError")


def test_ids_are_distinct_integers_and_document_ids_are_random(client: TestClient[Litestar]) -> None:
    users = [register(client, name).user for name in ("ann", "ben", "cat")]

    assert len({u["id"] for u in users}) == 3
    assert len({u["documentId"] for u in users}) == 3
