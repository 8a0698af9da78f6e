"""GET, PUT and DELETE /api/chat-sessions/{documentId}: one's own rows only; anyone else's do not exist."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import CHAT_SESSION_FIELDS, Account, assert_error, on_every_backend


def post(client: TestClient[Litestar], account: Account, message: str = "hello") -> dict[str, Any]:
    response = client.post("/api/chat-sessions", json={"data": {"message": message}}, headers=account.headers)
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


def url(row: dict[str, Any]) -> str:
    return f"/api/chat-sessions/{row['documentId']}"


def test_ones_own_row_is_found(client: TestClient[Litestar], alice: Account) -> None:
    row = post(client, alice)

    response = client.get(url(row), headers=alice.headers)

    assert response.status_code == 200, response.text
    assert response.json() == {"data": row, "meta": {}}
    assert set(response.json()["data"]) == CHAT_SESSION_FIELDS


def test_anothers_row_is_not_found(client: TestClient[Litestar], alice: Account, bob: Account) -> None:
    row = post(client, alice)

    assert_error(client.get(url(row), headers=bob.headers), 404, "NotFoundError")


@pytest.mark.parametrize("document_id", ["abcdefghijklmnopqrstuvwx", "x%00y", "%F0%9F%92%A9"])
def test_an_unknown_row_is_not_found(client: TestClient[Litestar], alice: Account, document_id: str) -> None:
    post(client, alice)

    assert_error(client.get(f"/api/chat-sessions/{document_id}", headers=alice.headers), 404, "NotFoundError")
    assert_error(
        client.delete(f"/api/chat-sessions/{document_id}", headers=alice.headers), 404, "NotFoundError"
    )


def test_reading_a_row_needs_a_token(client: TestClient[Litestar], alice: Account) -> None:
    assert_error(client.get(url(post(client, alice))), 401, "UnauthorizedError")


@on_every_backend  # create, read, list and delete through the SQL unit of work, each request its own
def test_deleting_ones_own_row_answers_204_without_a_body_and_removes_it(
    client: TestClient[Litestar], alice: Account
) -> None:
    row = post(client, alice)
    kept = post(client, alice, "kept")

    response = client.delete(url(row), headers=alice.headers)

    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_error(client.get(url(row), headers=alice.headers), 404, "NotFoundError")
    assert_error(client.delete(url(row), headers=alice.headers), 404, "NotFoundError")
    listed = client.get("/api/chat-sessions", headers=alice.headers).json()
    assert [r["documentId"] for r in listed["data"]] == [kept["documentId"]]


def test_anothers_row_cannot_be_deleted_and_stays(
    client: TestClient[Litestar], alice: Account, bob: Account
) -> None:
    row = post(client, alice)

    assert_error(client.delete(url(row), headers=bob.headers), 404, "NotFoundError")
    assert_error(
        client.delete("/api/chat-sessions/abcdefghijklmnopqrstuvwx", headers=bob.headers),
        404,
        "NotFoundError",
    )
    assert_error(client.delete(url(row)), 401, "UnauthorizedError")

    assert client.get(url(row), headers=alice.headers).json()["data"] == row


class TestEdit:
    def test_the_author_edits_the_text_and_updated_at_moves(
        self, client: TestClient[Litestar], alice: Account
    ) -> None:
        row = post(client, alice, "helo")

        response = client.put(url(row), json={"data": {"message": "  hello  "}}, headers=alice.headers)

        assert response.status_code == 200, response.text
        edited = response.json()["data"]
        assert edited["message"] == "  hello  "  # judged trimmed, stored as sent
        assert edited["updatedAt"] >= row["updatedAt"]
        assert {k: v for k, v in edited.items() if k not in ("message", "updatedAt")} == {
            k: v for k, v in row.items() if k not in ("message", "updatedAt")
        }
        assert client.get(url(row), headers=alice.headers).json()["data"] == edited

    def test_someone_elses_or_an_unknown_row_is_not_found(
        self, client: TestClient[Litestar], alice: Account, bob: Account
    ) -> None:
        row = post(client, alice, "mine")

        for path, who in ((url(row), bob), ("/api/chat-sessions/abcdefghijklmnopqrstuvwx", alice)):
            response = client.put(path, json={"data": {"message": "taken over"}}, headers=who.headers)
            assert_error(response, 404, "NotFoundError")
        assert client.get(url(row), headers=alice.headers).json()["data"]["message"] == "mine"

    @pytest.mark.parametrize(
        "body",
        [
            {"data": {"message": "   "}},
            {"data": {"message": "x" * 4001}},
            {"data": {}},
            {"message": "flat"},
            {"data": {"message": "a\x00b"}},
        ],
        ids=repr,
    )
    def test_content_rules_are_those_of_a_new_message(
        self, client: TestClient[Litestar], alice: Account, body: dict[str, Any]
    ) -> None:
        row = post(client, alice, "kept")

        assert_error(client.put(url(row), json=body, headers=alice.headers), 400, "ValidationError")
        assert client.get(url(row), headers=alice.headers).json()["data"]["message"] == "kept"

    def test_it_needs_a_token(self, client: TestClient[Litestar], alice: Account) -> None:
        row = post(client, alice)

        assert_error(client.put(url(row), json={"data": {"message": "x"}}), 401, "UnauthorizedError")
