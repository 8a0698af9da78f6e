"""400 ValidationError bodies in Strapi's shape: every failing field in details.errors, yup's words."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import Account, assert_error


def field_errors(response: Any, message: str) -> list[tuple[list[str], str]]:
    error = assert_error(response, 400, "ValidationError", message)
    assert all(e["name"] == "ValidationError" for e in error["details"]["errors"]), error
    return [(e["path"], e["message"]) for e in error["details"]["errors"]]


def test_every_missing_field_is_listed(client: TestClient[Litestar]) -> None:
    response = client.post("/api/auth/local/register", json={})

    assert field_errors(response, "3 errors occurred") == [
        (["username"], "username is a required field"),
        (["email"], "email is a required field"),
        (["password"], "password is a required field"),
    ]


def test_one_problem_is_the_message(client: TestClient[Litestar]) -> None:
    response = client.post("/api/auth/local/register", json={"username": "carol", "email": "c@example.com"})

    assert field_errors(response, "password is a required field") == [
        (["password"], "password is a required field")
    ]


def test_fields_of_the_wrong_type_and_missing_ones_together(client: TestClient[Litestar]) -> None:
    response = client.post("/api/auth/local", json={"identifier": 42})

    assert field_errors(response, "2 errors occurred") == [
        (["identifier"], "identifier must be a `string` type"),
        (["password"], "password is a required field"),
    ]


def test_every_rule_a_registration_breaks_is_listed(client: TestClient[Litestar]) -> None:
    body = {"username": "al", "email": "not-an-email", "password": "short"}

    assert field_errors(client.post("/api/auth/local/register", json=body), "3 errors occurred") == [
        (["username"], "username must be at least 3 characters"),
        (["email"], "email must be a valid email"),
        (["password"], "password must be at least 6 characters"),
    ]


@pytest.mark.parametrize("method", ["post", "put"])
def test_nested_fields_have_their_whole_path(
    client: TestClient[Litestar], alice: Account, method: str
) -> None:
    created = client.post("/api/chat-sessions", json={"data": {"message": "hi"}}, headers=alice.headers)
    path = "/api/chat-sessions" + ("" if method == "post" else f"/{created.json()['data']['documentId']}")

    response = client.request(method.upper(), path, json={"data": {"message": 7}}, headers=alice.headers)

    assert field_errors(response, "data.message must be a `string` type") == [
        (["data", "message"], "data.message must be a `string` type")
    ]


def test_a_rule_about_no_single_field_has_no_field_list(client: TestClient[Litestar], alice: Account) -> None:
    response = client.post("/api/auth/local", json={"identifier": "alice", "password": "wrong password"})

    assert assert_error(response, 400, "ValidationError", "Invalid identifier or password")["details"] == {}
