"""POST /api/chat-sessions: Strapi v5 and seed-style bodies, authorship, content and body limits."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import CHAT_SESSION_FIELDS, Account, assert_error

ISO_MILLIS_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def create(client: TestClient[Litestar], account: Account | None, body: Any) -> Any:
    return client.post("/api/chat-sessions", json=body, headers=account.headers if account else {})


def stored_messages(client: TestClient[Litestar], account: Account) -> list[str]:
    response = client.get("/api/chat-sessions", headers=account.headers)
    assert response.status_code == 200, response.text
    return [row["message"] for row in response.json()["data"]]


def parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def test_a_strapi_v5_body_creates_a_row_authored_by_the_caller(
    client: TestClient[Litestar], alice: Account
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)

    response = create(client, alice, {"data": {"message": "hello"}})

    assert response.status_code == 201, response.text
    assert set(response.json()) == {"data", "meta"} and response.json()["meta"] == {}
    row = response.json()["data"]
    assert set(row) == CHAT_SESSION_FIELDS
    assert isinstance(row["id"], int) and re.fullmatch(r"[a-z0-9]{24}", row["documentId"])
    assert (row["message"], row["kind"]) == ("hello", "message")
    assert row["user"] == {key: alice.user[key] for key in ("id", "documentId", "username")}
    for stamp in ("timestamp", "createdAt", "updatedAt", "publishedAt"):
        assert ISO_MILLIS_Z.match(row[stamp]), row[stamp]
    assert before <= parse(row["timestamp"]) <= datetime.now(UTC) + timedelta(seconds=1)
    assert stored_messages(client, alice) == ["hello"]


@pytest.mark.parametrize("user_id", ["own id", "own id as a string"])
def test_the_seeds_flat_body_works_with_ones_own_user_id(
    client: TestClient[Litestar], alice: Account, user_id: str
) -> None:
    own = alice.user["id"] if user_id == "own id" else str(alice.user["id"])

    response = create(client, alice, {"message": "hi", "userId": own})

    assert response.status_code == 201, response.text
    assert response.json()["data"]["user"]["id"] == alice.user["id"]
    assert stored_messages(client, alice) == ["hi"]


def test_a_flat_body_without_user_id_is_authored_by_the_caller(
    client: TestClient[Litestar], alice: Account
) -> None:
    response = create(client, alice, {"message": "hi"})

    assert response.status_code == 201, response.text
    assert response.json()["data"]["user"]["username"] == "alice"


@pytest.mark.parametrize("timestamp", ["2001-02-03T04:05:06.789Z", 981173106789, "garbage"])
def test_a_client_timestamp_is_ignored(client: TestClient[Litestar], alice: Account, timestamp: Any) -> None:
    response = create(client, alice, {"data": {"message": "hi", "timestamp": timestamp}})

    assert response.status_code == 201, response.text
    assert abs(parse(response.json()["data"]["timestamp"]) - datetime.now(UTC)) < timedelta(minutes=1)


# Each builds a body from (alice, bob) that names someone other than alice, the caller.
NAMING_SOMEONE_ELSE = {
    "flat userId": lambda a, b: {"message": "hi", "userId": b.user["id"]},
    "flat userId as a string": lambda a, b: {"message": "hi", "userId": str(b.user["id"])},
    "flat unknown userId": lambda a, b: {"message": "hi", "userId": 999_999},
    "flat user": lambda a, b: {"message": "hi", "user": b.user["id"]},
    "data.user id": lambda a, b: {"data": {"message": "hi", "user": b.user["id"]}},
    "data.user documentId": lambda a, b: {"data": {"message": "hi", "user": b.user["documentId"]}},
    "data.user unknown id": lambda a, b: {"data": {"message": "hi", "user": 999_999}},
    "data.user object": lambda a, b: {"data": {"message": "hi", "user": {"id": b.user["id"]}}},
    "connect id": lambda a, b: {"data": {"message": "hi", "user": {"connect": [{"id": b.user["id"]}]}}},
    "connect documentId": lambda a, b: {
        "data": {"message": "hi", "user": {"connect": [{"documentId": b.user["documentId"]}]}}
    },
    "connect bare id": lambda a, b: {"data": {"message": "hi", "user": {"connect": [b.user["id"]]}}},
    "set id": lambda a, b: {"data": {"message": "hi", "user": {"set": [{"id": b.user["id"]}]}}},
    "connect self then other": lambda a, b: {
        "data": {"message": "hi", "user": {"connect": [{"id": a.user["id"]}, {"id": b.user["id"]}]}}
    },
    "data plus flat userId": lambda a, b: {"data": {"message": "hi"}, "userId": b.user["id"]},
}


@pytest.mark.parametrize("case", list(NAMING_SOMEONE_ELSE))
def test_naming_another_or_unknown_user_is_forbidden(
    client: TestClient[Litestar], alice: Account, bob: Account, case: str
) -> None:
    response = create(client, alice, NAMING_SOMEONE_ELSE[case](alice, bob))

    assert_error(response, 403, "ForbiddenError")
    assert stored_messages(client, alice) == [] and stored_messages(client, bob) == []


@pytest.mark.parametrize("user", ["id", "documentId", "connect"])
def test_naming_oneself_in_data_user_is_fine(client: TestClient[Litestar], alice: Account, user: str) -> None:
    named = {"id": alice.user["id"], "documentId": alice.user["documentId"]}
    claim = {"connect": [{"id": alice.user["id"]}]} if user == "connect" else named[user]

    response = create(client, alice, {"data": {"message": "hi", "user": claim}})

    assert response.status_code == 201, response.text


def test_without_a_token_nothing_is_stored(client: TestClient[Litestar], alice: Account) -> None:
    assert_error(create(client, None, {"data": {"message": "hi"}}), 401, "UnauthorizedError")
    assert_error(
        create(client, None, {"message": "hi", "userId": alice.user["id"]}), 401, "UnauthorizedError"
    )
    assert stored_messages(client, alice) == []


@pytest.mark.parametrize("content", ["x" * 4000, "é" * 4000, "  \n" + "x" * 4000 + "\t ", "a", " a "])
def test_content_of_1_to_4000_characters_is_stored_exactly_as_sent(
    client: TestClient[Litestar], alice: Account, content: str
) -> None:
    response = create(client, alice, {"data": {"message": content}})

    assert response.status_code == 201, response.text
    assert response.json()["data"]["message"] == content
    assert stored_messages(client, alice) == [content]


@pytest.mark.parametrize("content", ["x" * 4001, "", "   ", "\n\t", "nul \x00 inside"])
def test_empty_too_long_or_unstorable_content_is_a_validation_error(
    client: TestClient[Litestar], alice: Account, content: str
) -> None:
    assert_error(create(client, alice, {"data": {"message": content}}), 400, "ValidationError")
    assert_error(create(client, alice, {"message": content}), 400, "ValidationError")
    assert stored_messages(client, alice) == []


@pytest.mark.parametrize(
    "body",
    [
        {"data": {"message": 5}},
        {"data": {"message": ["hi"]}},
        {"data": {"message": None}},
        {"data": {}},
        {"data": "hi"},
        {"message": 5},
        {"message": {"text": "hi"}},
        {"message": None},
        {},
        ["hi"],
        "hi",
        {"message": "hi", "userId": 1.5},
    ],
    ids=repr,
)
def test_a_missing_or_non_string_message_is_a_validation_error(
    client: TestClient[Litestar], alice: Account, body: Any
) -> None:
    assert_error(create(client, alice, body), 400, "ValidationError")
    assert stored_messages(client, alice) == []


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", None])
def test_a_body_that_is_not_json_is_a_validation_error(
    client: TestClient[Litestar], alice: Account, content_type: str | None
) -> None:
    headers = {**alice.headers, **({"Content-Type": content_type} if content_type else {})}

    response = client.post("/api/chat-sessions", content=b'{"data": {"message": "hi"', headers=headers)

    assert_error(response, 400, "ValidationError")
    assert stored_messages(client, alice) == []


@pytest.mark.parametrize("settings_overrides", [{"http_max_body_bytes": 2048}])
def test_a_body_over_the_configured_limit_is_payload_too_large(
    client: TestClient[Litestar], alice: Account
) -> None:
    assert create(client, alice, {"data": {"message": "x" * 1900}}).status_code == 201

    assert_error(create(client, alice, {"data": {"message": "x" * 2100}}), 413, "PayloadTooLargeError")
    assert stored_messages(client, alice) == ["x" * 1900]


def test_the_default_body_limit_is_one_mebibyte(client: TestClient[Litestar], alice: Account) -> None:
    envelope_bytes = len('{"data":{"message":""}}')
    just_under = b'{"data":{"message":"' + b"x" * (1024 * 1024 - envelope_bytes) + b'"}}'
    just_over = b'{"data":{"message":"' + b"x" * (1024 * 1024 - envelope_bytes + 1) + b'"}}'
    headers = {**alice.headers, "Content-Type": "application/json"}

    # Under the limit the body is read, and refused on its content: far too long a message.
    assert_error(
        client.post("/api/chat-sessions", content=just_under, headers=headers), 400, "ValidationError"
    )
    assert_error(
        client.post("/api/chat-sessions", content=just_over, headers=headers), 413, "PayloadTooLargeError"
    )
