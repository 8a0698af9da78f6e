"""GET /api/users and /api/users/{id}: finding people by public fields, never their email."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import Account, assert_error, on_every_backend, register, set_blocked

PUBLIC = {"id", "documentId", "username"}


@pytest.fixture
def people(client: TestClient[Litestar]) -> dict[str, Account]:
    return {name: register(client, name) for name in ("alice", "Albert", "bob", "alfred")}


def find(client: TestClient[Litestar], account: Account, params: dict[str, str]) -> list[dict[str, Any]]:
    response = client.get("/api/users", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert isinstance(body, list), body  # users-permissions answers a bare array
    assert all(set(user) == PUBLIC for user in body), body
    return list(body)


def names(users: list[dict[str, Any]]) -> list[str]:
    return [user["username"] for user in users]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"filters[username][$startsWith]": "al"}, ["alice", "alfred"]),
        ({"filters[username][$startsWithi]": "al"}, ["alice", "Albert", "alfred"]),
        ({"filters[username][$eqi]": "ALBERT"}, ["Albert"]),
        ({"filters[username][$containsi]": "LF"}, ["alfred"]),
        ({"filters[username]": "bob"}, ["bob"]),
        ({"sort": "username:desc", "pagination[limit]": "2"}, ["bob", "alice"]),
        ({}, ["alice", "Albert", "bob", "alfred"]),
    ],
    ids=repr,
)
@on_every_backend
def test_find_by_public_fields(
    client: TestClient[Litestar], people: dict[str, Account], params: dict[str, str], expected: list[str]
) -> None:
    assert names(find(client, people["bob"], params)) == expected


def test_the_answer_carries_ids_and_document_ids(
    client: TestClient[Litestar], people: dict[str, Account]
) -> None:
    [alice] = find(client, people["bob"], {"filters[username]": "alice"})

    assert alice == {k: people["alice"].user[k] for k in PUBLIC}


def test_blocked_users_are_found_like_in_strapi(
    client: TestClient[Litestar], people: dict[str, Account]
) -> None:
    set_blocked(client, "alfred")

    assert names(find(client, people["bob"], {"filters[username][$startsWith]": "alf"})) == ["alfred"]


def test_at_most_100_come_back(client: TestClient[Litestar], people: dict[str, Account]) -> None:
    assert len(find(client, people["bob"], {"pagination[pageSize]": "1000"})) == 4


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"filters[email][$eq]": "alice@example.com"}, "Invalid key email"),
        ({"filters[$or][0][email][$containsi]": "example"}, "Invalid key email"),
        ({"sort": "email"}, "Invalid key email"),
        ({"fields": "email"}, "Invalid key email"),
        ({"filters[password][$null]": "false"}, "Invalid key password"),
    ],
    ids=repr,
)
def test_private_fields_cannot_be_searched_or_shown(
    client: TestClient[Litestar], people: dict[str, Account], params: dict[str, str], message: str
) -> None:
    response = client.get("/api/users", params=params, headers=people["bob"].headers)

    assert_error(response, 400, "ValidationError", message)


def test_find_one_by_id_or_document_id(client: TestClient[Litestar], people: dict[str, Account]) -> None:
    alice = people["alice"].user
    for reference in (str(alice["id"]), alice["documentId"]):
        response = client.get(f"/api/users/{reference}", headers=people["bob"].headers)

        assert response.status_code == 200, response.text
        assert response.json() == {k: alice[k] for k in PUBLIC}


@pytest.mark.parametrize("reference", ["99999", "nobody", "99999999999999999999999", "-1"])
def test_find_one_of_nobody_is_not_found(
    client: TestClient[Litestar], people: dict[str, Account], reference: str
) -> None:
    response = client.get(f"/api/users/{reference}", headers=people["bob"].headers)

    assert_error(response, 404, "NotFoundError")


def test_me_is_still_the_caller_with_every_field(
    client: TestClient[Litestar], people: dict[str, Account]
) -> None:
    response = client.get("/api/users/me", headers=people["bob"].headers)

    assert response.json() == people["bob"].user


@pytest.mark.parametrize("path", ["/api/users", "/api/users/1"])
def test_without_a_token_it_is_unauthorized(
    client: TestClient[Litestar], people: dict[str, Account], path: str
) -> None:
    assert_error(client.get(path), 401, "UnauthorizedError")
