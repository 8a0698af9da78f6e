"""POST /api/auth/local/register: field rules and case-insensitive uniqueness."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import PASSWORD, Account, assert_error

TAKEN = "Email or Username are already taken"


def body(**overrides: Any) -> dict[str, Any]:
    return {"username": "carol", "email": "carol@example.com", "password": PASSWORD, **overrides}


def test_a_registered_user_can_sign_in(client: TestClient[Litestar]) -> None:
    registered = client.post("/api/auth/local/register", json=body())
    assert registered.status_code == 200, registered.text

    login = client.post("/api/auth/local", json={"identifier": "carol", "password": PASSWORD})

    assert login.status_code == 200, login.text
    assert login.json()["user"]["id"] == registered.json()["user"]["id"]
    me = client.get("/api/users/me", headers={"Authorization": f"Bearer {registered.json()['jwt']}"})
    assert me.json()["username"] == "carol"


@pytest.mark.parametrize(
    "fields",
    [
        {"username": "ab"},
        {"username": "  ab  "},
        {"email": "not-an-email"},
        {"email": "carol@"},
        {"password": "12345"},
        {"password": "x" * 73},
        {"password": "é" * 37},  # 74 bytes
        {"username": "car\x00ol"},  # NUL: PostgreSQL text cannot hold it
        {"email": "carol\x00@example.com"},
        {"username": 123},
        {"password": None},
    ],
    ids=repr,
)
def test_invalid_fields_are_a_validation_error(client: TestClient[Litestar], fields: dict[str, Any]) -> None:
    assert_error(client.post("/api/auth/local/register", json=body(**fields)), 400, "ValidationError")

    assert (
        client.post("/api/auth/local", json={"identifier": "carol", "password": PASSWORD}).status_code == 400
    )


def test_a_username_with_an_at_sign_is_refused_so_email_logins_stay_unambiguous(
    client: TestClient[Litestar], alice: Account
) -> None:
    squatter = body(username="alice@example.com", email="mallory@example.com")

    assert_error(client.post("/api/auth/local/register", json=squatter), 400, "ValidationError")
    for _ in range(3):
        login = client.post("/api/auth/local", json={"identifier": "alice@example.com", "password": PASSWORD})
        assert login.json()["user"]["id"] == alice.user["id"]


@pytest.mark.parametrize("missing", ["username", "email", "password"])
def test_missing_fields_are_a_validation_error(client: TestClient[Litestar], missing: str) -> None:
    fields = body()
    del fields[missing]

    assert_error(client.post("/api/auth/local/register", json=fields), 400, "ValidationError")


def test_passwords_of_6_and_72_bytes_are_accepted_whole(client: TestClient[Litestar]) -> None:
    long_password = "p" * 71 + "1"
    assert client.post("/api/auth/local/register", json=body(password="123456")).status_code == 200
    assert (
        client.post(
            "/api/auth/local/register",
            json=body(username="dave", email="dave@example.com", password=long_password),
        ).status_code
        == 200
    )

    truncated_guess = {"identifier": "dave", "password": "p" * 71 + "2"}
    assert_error(client.post("/api/auth/local", json=truncated_guess), 400, "ValidationError")
    assert (
        client.post("/api/auth/local", json={"identifier": "dave", "password": long_password}).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("username", "email"),
    [("ALICE", "new@example.com"), ("newname", "Alice@EXAMPLE.com"), ("alice", "alice@example.com")],
)
def test_a_taken_username_or_email_is_refused_case_insensitively(
    client: TestClient[Litestar], alice: Account, username: str, email: str
) -> None:
    response = client.post("/api/auth/local/register", json=body(username=username, email=email))

    assert_error(response, 400, "ApplicationError", TAKEN)
    me = client.get("/api/users/me", headers=alice.headers)
    assert me.json()["email"] == "alice@example.com"
