"""POST /api/auth/local: who may sign in, and what the others are told."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import PASSWORD, Account, assert_error, set_blocked

INVALID = "Invalid identifier or password"
BLOCKED = "Your account has been blocked by an administrator"


def login(client: TestClient[Litestar], identifier: Any, password: Any) -> Any:
    return client.post("/api/auth/local", json={"identifier": identifier, "password": password})


@pytest.mark.parametrize("identifier", ["alice", "ALICE", "aLiCe", "alice@example.com", "Alice@Example.COM"])
def test_email_or_username_sign_in_case_insensitively(
    client: TestClient[Litestar], alice: Account, identifier: str
) -> None:
    response = login(client, identifier, PASSWORD)

    assert response.status_code == 200, response.text
    assert response.json()["user"]["id"] == alice.user["id"]
    me = client.get("/api/users/me", headers={"Authorization": f"Bearer {response.json()['jwt']}"})
    assert me.json()["id"] == alice.user["id"]


@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        ("nobody", PASSWORD),
        ("nobody@example.com", PASSWORD),
        ("alice", "wrong password"),
        ("alice", PASSWORD.upper()),
        ("alice", ""),
        ("alice", PASSWORD + "x" * 100),  # over 72 bytes: bcrypt 5 raises on those; never a 500
        ("nobody", "é" * 100),
        ("alice\x00", PASSWORD),  # PostgreSQL cannot even compare text holding NUL: must not be a 500
    ],
)
def test_unknown_user_and_wrong_password_get_the_same_answer(
    client: TestClient[Litestar], alice: Account, identifier: str, password: str
) -> None:
    assert_error(login(client, identifier, password), 400, "ValidationError", INVALID)


@pytest.mark.parametrize(
    "body",
    [{"identifier": "alice"}, {"password": PASSWORD}, {}, {"identifier": 5, "password": PASSWORD}, []],
    ids=repr,
)
def test_missing_or_mistyped_fields_are_a_validation_error(
    client: TestClient[Litestar], alice: Account, body: Any
) -> None:
    assert_error(client.post("/api/auth/local", json=body), 400, "ValidationError")


def test_a_blocked_user_is_told_only_with_the_right_password(
    client: TestClient[Litestar], alice: Account
) -> None:
    set_blocked(client, "alice")

    assert_error(login(client, "alice", PASSWORD), 400, "ApplicationError", BLOCKED)
    assert_error(login(client, "alice", "wrong password"), 400, "ValidationError", INVALID)


def test_an_unblocked_user_signs_in_again(client: TestClient[Litestar], alice: Account) -> None:
    set_blocked(client, "alice")
    set_blocked(client, "alice", blocked=False)

    assert login(client, "alice", PASSWORD).status_code == 200
