"""GET /api/chat-sessions: the caller's own rows, Strapi pagination, sorting and filters."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from chatapp.application.get_current_user import GetCurrentUser
from chatapp.application.record_disconnect import RecordDisconnect
from tests.api.conftest import CHAT_SESSION_FIELDS, Account, assert_error


def post(client: TestClient[Litestar], account: Account, *messages: str) -> list[dict[str, Any]]:
    rows = []
    for message in messages:
        response = client.post(
            "/api/chat-sessions", json={"data": {"message": message}}, headers=account.headers
        )
        assert response.status_code == 201, response.text
        rows.append(response.json()["data"])
    return rows


def listing(client: TestClient[Litestar], account: Account, **params: Any) -> dict[str, Any]:
    response = client.get("/api/chat-sessions", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def messages(client: TestClient[Litestar], account: Account, **params: Any) -> list[str]:
    return [row["message"] for row in listing(client, account, **params)["data"]]


def record_disconnect(client: TestClient[Litestar], account: Account) -> None:
    """What the WebSocket endpoints store when a connection ends."""

    async def run() -> None:
        async with client.app.state.dishka_container() as request:
            user = await (await request.get(GetCurrentUser))(account.jwt)
            await (await request.get(RecordDisconnect))(user, "one-connection")

    client.blocking_portal.call(run)


def test_only_the_callers_rows_are_listed(client: TestClient[Litestar], alice: Account, bob: Account) -> None:
    mine = post(client, alice, "a1", "a2")
    post(client, bob, "b1")

    body = listing(client, alice)

    assert sorted(row["id"] for row in body["data"]) == sorted(row["id"] for row in mine)
    assert all(set(row) == CHAT_SESSION_FIELDS for row in body["data"])
    assert body["meta"] == {"pagination": {"page": 1, "pageSize": 25, "pageCount": 1, "total": 2}}
    assert messages(client, bob) == ["b1"]


def test_without_a_token_it_is_unauthorized(client: TestClient[Litestar], alice: Account) -> None:
    post(client, alice, "secret")

    assert_error(client.get("/api/chat-sessions"), 401, "UnauthorizedError")


def test_newest_first_by_default(client: TestClient[Litestar], alice: Account) -> None:
    post(client, alice, "first", "second", "third")

    assert messages(client, alice) == ["third", "second", "first"]


class TestPagination:
    def test_an_empty_listing_has_no_pages(self, client: TestClient[Litestar], alice: Account) -> None:
        body = listing(client, alice)

        assert body == {
            "data": [],
            "meta": {"pagination": {"page": 1, "pageSize": 25, "pageCount": 0, "total": 0}},
        }

    @pytest.mark.parametrize(
        ("total", "page", "page_size", "expected"),
        [
            (4, 1, 2, ["m3", "m2"]),  # exact multiple: first page
            (4, 2, 2, ["m1", "m0"]),  # exact multiple: last page is full
            (5, 3, 2, ["m0"]),  # last partial page
            (5, 4, 2, []),  # past the end
            (5, 1, 5, ["m4", "m3", "m2", "m1", "m0"]),
            (3, 1, 1, ["m2"]),
        ],
    )
    def test_page_arithmetic_at_the_edges(
        self,
        client: TestClient[Litestar],
        alice: Account,
        total: int,
        page: int,
        page_size: int,
        expected: list[str],
    ) -> None:
        post(client, alice, *(f"m{n}" for n in range(total)))

        body = listing(client, alice, **{"pagination[page]": page, "pagination[pageSize]": page_size})

        assert [row["message"] for row in body["data"]] == expected
        page_count = math.ceil(total / page_size)
        assert body["meta"]["pagination"] == {
            "page": page,
            "pageSize": page_size,
            "pageCount": page_count,
            "total": total,
        }

    def test_page_size_over_100_is_clamped_to_100(self, client: TestClient[Litestar], alice: Account) -> None:
        post(client, alice, *(f"m{n}" for n in range(101)))

        body = listing(client, alice, **{"pagination[pageSize]": 500})

        assert len(body["data"]) == 100
        assert body["meta"]["pagination"] == {"page": 1, "pageSize": 100, "pageCount": 2, "total": 101}
        second = listing(client, alice, **{"pagination[pageSize]": 101, "pagination[page]": 2})
        assert [row["message"] for row in second["data"]] == ["m0"]

    @pytest.mark.parametrize(
        "params",
        [
            {"pagination[page]": 0},
            {"pagination[page]": -1},
            {"pagination[pageSize]": 0},
            {"pagination[pageSize]": -5},
            {"pagination[page]": "two"},
            {"pagination[pageSize]": "1.5"},
            {"pagination[page]": ""},
        ],
        ids=repr,
    )
    def test_a_bad_page_or_page_size_is_a_validation_error(
        self, client: TestClient[Litestar], alice: Account, params: dict[str, Any]
    ) -> None:
        response = client.get("/api/chat-sessions", params=params, headers=alice.headers)

        assert_error(response, 400, "ValidationError")


class TestSort:
    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("timestamp:desc", ["c", "b", "a"]),
            ("timestamp:asc", ["a", "b", "c"]),
            ("timestamp", ["a", "b", "c"]),  # Strapi: ascending when no direction is given
            ("createdAt:desc", ["c", "b", "a"]),
            ("createdAt:asc", ["a", "b", "c"]),
            ("id:asc", ["a", "b", "c"]),
            ("id:desc", ["c", "b", "a"]),
            ("id:DESC", ["c", "b", "a"]),
        ],
    )
    def test_by_timestamp_creation_or_id(
        self, client: TestClient[Litestar], alice: Account, sort: str, expected: list[str]
    ) -> None:
        post(client, alice, "a", "b", "c")  # rows may share a millisecond: ties go by id, same direction

        assert messages(client, alice, sort=sort) == expected

    @pytest.mark.parametrize("sort", ["message:asc", "password", "timestamp:up", "timestamp:asc:desc", ""])
    def test_an_unknown_field_or_direction_is_a_validation_error(
        self, client: TestClient[Litestar], alice: Account, sort: str
    ) -> None:
        response = client.get("/api/chat-sessions", params={"sort": sort}, headers=alice.headers)

        assert_error(response, 400, "ValidationError")


class TestFilters:
    def test_timestamp_bounds_are_strict(self, client: TestClient[Litestar], alice: Account) -> None:
        rows = post(client, alice, *(f"m{n}" for n in range(6)))
        middle = rows[3]["timestamp"]

        later = messages(client, alice, **{"filters[timestamp][$gt]": middle, "sort": "id:asc"})
        earlier = messages(client, alice, **{"filters[timestamp][$lt]": middle, "sort": "id:asc"})

        assert later == [r["message"] for r in rows if r["timestamp"] > middle]
        assert earlier == [r["message"] for r in rows if r["timestamp"] < middle]
        assert "m3" not in later + earlier
        assert (
            messages(client, alice, **{"filters[timestamp][$gt]": middle, "filters[timestamp][$lt]": middle})
            == []
        )

    def test_a_bound_with_another_utc_offset_means_the_same_instant(
        self, client: TestClient[Litestar], alice: Account
    ) -> None:
        rows = post(client, alice, *(f"m{n}" for n in range(4)))
        middle = datetime.fromisoformat(rows[2]["timestamp"])
        elsewhere = middle.astimezone(timezone(timedelta(hours=-5, minutes=-30))).isoformat()

        for bound in ("$gt", "$lt"):
            in_utc = messages(client, alice, **{f"filters[timestamp][{bound}]": rows[2]["timestamp"]})
            assert "m2" not in in_utc
            assert messages(client, alice, **{f"filters[timestamp][{bound}]": elsewhere}) == in_utc

    def test_bounds_around_every_row_include_them_all(
        self, client: TestClient[Litestar], alice: Account
    ) -> None:
        post(client, alice, "a", "b")
        params = {
            "filters[timestamp][$gt]": "2000-01-01T00:00:00.000Z",
            "filters[timestamp][$lt]": "2999-01-01",
        }

        assert messages(client, alice, **params) == ["b", "a"]
        assert messages(client, alice, **{"filters[timestamp][$gt]": "2999-01-01T00:00:00Z"}) == []

    @pytest.mark.parametrize("name", ["filters[timestamp][$gt]", "filters[timestamp][$lt]"])
    @pytest.mark.parametrize("value", ["yesterday", "2024-13-01", "", "1700000000"])
    def test_an_unparseable_date_is_a_validation_error(
        self, client: TestClient[Litestar], alice: Account, name: str, value: str
    ) -> None:
        response = client.get("/api/chat-sessions", params={name: value}, headers=alice.headers)

        assert_error(response, 400, "ValidationError")

    def test_kind_message_hides_disconnect_rows(self, client: TestClient[Litestar], alice: Account) -> None:
        post(client, alice, "hello")
        record_disconnect(client, alice)

        assert messages(client, alice) == ["alice has disconnected", "hello"]
        assert messages(client, alice, **{"filters[kind][$eq]": "message"}) == ["hello"]
        assert messages(client, alice, **{"filters[kind][$eq]": "disconnect"}) == ["alice has disconnected"]
        assert listing(client, alice, **{"filters[kind][$eq]": "message"})["meta"]["pagination"]["total"] == 1

    @pytest.mark.parametrize(
        "params",
        [{"filters[kind][$eq]": "chat"}, {"filters[user][email][$eq]": "a@b.c"}, {"filters[password]": "x"}],
        ids=repr,
    )
    def test_an_unknown_filter_or_kind_is_a_validation_error(
        self, client: TestClient[Litestar], alice: Account, params: dict[str, str]
    ) -> None:
        assert_error(
            client.get("/api/chat-sessions", params=params, headers=alice.headers), 400, "ValidationError"
        )
