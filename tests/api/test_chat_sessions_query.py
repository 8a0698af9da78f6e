"""GET /api/chat-sessions speaks Strapi v5's query language: what `@strapi/client` and Strapi habits send."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import Account, assert_error, on_every_backend
from tests.api.test_chat_sessions_list import post, record_disconnect

Params = list[tuple[str, str]] | dict[str, Any]


def get(client: TestClient[Litestar], account: Account, params: Params) -> dict[str, Any]:
    response = client.get("/api/chat-sessions", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


def texts(client: TestClient[Litestar], account: Account, params: Params) -> list[str]:
    return [row["message"] for row in get(client, account, params)["data"]]


@pytest.fixture
def abc(client: TestClient[Litestar], alice: Account) -> list[dict[str, Any]]:
    return post(client, alice, "apple", "Banana", "cherry 100%")


class TestSort:
    @pytest.mark.parametrize(
        "params",
        [
            [("sort[0]", "id:desc")],
            [("sort", "id:desc")],
            [("sort", "timestamp:desc,id:desc")],
            [("sort[0]", "timestamp:desc"), ("sort[1]", "id:desc")],
            [("sort", "timestamp:desc"), ("sort", "id:desc")],
            [("sort[id]", "desc")],
            [("sort[0][timestamp]", "desc"), ("sort[1][id]", "desc")],
        ],
        ids=repr,
    )
    def test_as_a_string_a_comma_list_an_array_or_objects(
        self, client: TestClient[Litestar], alice: Account, abc: list[dict[str, Any]], params: Params
    ) -> None:
        assert texts(client, alice, params) == ["cherry 100%", "Banana", "apple"]

    def test_later_keys_break_ties_of_earlier_ones(
        self, client: TestClient[Litestar], alice: Account, abc: list[dict[str, Any]]
    ) -> None:
        record_disconnect(client, alice)

        assert texts(client, alice, {"sort": "kind:asc,id:desc"}) == [
            "alice has disconnected",
            "cherry 100%",
            "Banana",
            "apple",
        ]

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"sort[0]": "bogus:sideways"}, "Invalid order. order can only be one of asc|desc|ASC|DESC"),
            ({"sort[0]": "bogus:asc"}, "Invalid key bogus"),
            ({"sort": "id:desc,password"}, "Invalid key password"),
            ({"sort[user][email]": "asc"}, "Invalid key email at user.email"),
        ],
        ids=repr,
    )
    def test_an_unknown_field_or_direction_is_refused_with_strapis_message(
        self, client: TestClient[Litestar], alice: Account, params: Params, message: str
    ) -> None:
        response = client.get("/api/chat-sessions", params=params, headers=alice.headers)

        assert_error(response, 400, "ValidationError", message)


class TestPagination:
    def test_start_and_limit_answer_offset_meta(
        self, client: TestClient[Litestar], alice: Account, abc: list[dict[str, Any]]
    ) -> None:
        body = get(client, alice, {"pagination[start]": "1", "pagination[limit]": "1"})

        assert [row["message"] for row in body["data"]] == ["Banana"]
        assert body["meta"] == {"pagination": {"start": 1, "limit": 1, "total": 3}}

    def test_limit_is_clamped_at_100_and_minus_one_means_as_many_as_allowed(
        self, client: TestClient[Litestar], alice: Account
    ) -> None:
        post(client, alice, *(f"m{n}" for n in range(101)))

        for limit in ("500", "-1"):
            body = get(client, alice, {"pagination[limit]": limit})
            assert len(body["data"]) == 100
            assert body["meta"]["pagination"] == {"start": 0, "limit": 100, "total": 101}

    @pytest.mark.parametrize(
        ("params", "pagination"),
        [
            ({"pagination[withCount]": "false"}, {"page": 1, "pageSize": 25}),
            ({"pagination[withCount]": "false", "pagination[page]": "2"}, {"page": 2, "pageSize": 25}),
            ({"pagination[withCount]": "0", "pagination[limit]": "2"}, {"start": 0, "limit": 2}),
            (
                {"pagination[withCount]": "true", "pagination[limit]": "2"},
                {"start": 0, "limit": 2, "total": 3},
            ),
        ],
        ids=repr,
    )
    def test_with_count_false_drops_the_total(
        self,
        client: TestClient[Litestar],
        alice: Account,
        abc: list[dict[str, Any]],
        params: Params,
        pagination: dict[str, int],
    ) -> None:
        assert get(client, alice, params)["meta"] == {"pagination": pagination}

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            (
                {"pagination[page]": "1", "pagination[limit]": "5"},
                "Cannot use both page & offset pagination in the same query",
            ),
            ({"pagination[start]": "-1"}, "convertStartQueryParams expected a positive integer got -1"),
            ({"pagination[limit]": "x"}, "convertLimitQueryParams expected a positive integer got x"),
            ({"pagination[page]": "0"}, "Invalid 'page' parameter. Expected an integer > 0, received: 0"),
            ({"pagination[pageSize]": "9999999999999"}, None),
            ({"pagination[withCount]": "maybe"}, None),
            ({"pagination[offset]": "3"}, "Invalid key offset at pagination.offset"),
        ],
        ids=repr,
    )
    def test_bad_pagination_is_refused(
        self, client: TestClient[Litestar], alice: Account, params: Params, message: str | None
    ) -> None:
        response = client.get("/api/chat-sessions", params=params, headers=alice.headers)

        assert_error(response, 400, "ValidationError", message)


class TestFilters:
    @pytest.mark.parametrize(
        ("params", "expected"),
        [
            ({"filters[kind]": "message"}, ["apple", "Banana", "cherry 100%"]),
            ({"filters[message][$ne]": "apple"}, ["Banana", "cherry 100%"]),
            ({"filters[message][$containsi]": "AN"}, ["Banana"]),
            ({"filters[message][$contains]": "%"}, ["cherry 100%"]),
            ({"filters[message][$contains]": "a%"}, []),  # `%` is a letter, not a wildcard
            ({"filters[message][$startsWith]": "b"}, []),
            ({"filters[message][$startsWithi]": "b"}, ["Banana"]),
            ({"filters[message][$endsWith]": "le"}, ["apple"]),
            ({"filters[message][$eqi]": "BANANA"}, ["Banana"]),
            (
                {"filters[message][$in][0]": "apple", "filters[message][$in][1]": "Banana"},
                ["apple", "Banana"],
            ),
            ({"filters[message][$notIn][0]": "apple"}, ["Banana", "cherry 100%"]),
            ({"filters[message][0]": "apple", "filters[message][1]": "Banana"}, ["apple", "Banana"]),
            (
                {"filters[$or][0][message]": "apple", "filters[$or][1][message][$endsWith]": "%"},
                ["apple", "cherry 100%"],
            ),
            (
                {"filters[$and][0][message][$contains]": "a", "filters[$and][1][message][$contains]": "n"},
                ["Banana"],
            ),
            ({"filters[$not][message][$contains]": "a"}, ["cherry 100%"]),
            ({"filters[message][$not][$eq]": "apple"}, ["Banana", "cherry 100%"]),
            ({"filters[user][username][$eq]": "alice"}, ["apple", "Banana", "cherry 100%"]),
            ({"filters[user][username][$eq]": "bob"}, []),
            ({"filters[publishedAt][$notNull]": "true"}, ["apple", "Banana", "cherry 100%"]),
            ({"filters[publishedAt][$null]": "true"}, []),
        ],
        ids=repr,
    )
    def test_strapi_operators(
        self,
        client: TestClient[Litestar],
        alice: Account,
        abc: list[dict[str, Any]],
        params: dict[str, str],
        expected: list[str],
    ) -> None:
        assert texts(client, alice, {**params, "sort": "id"}) == expected

    @on_every_backend
    def test_on_ids_document_ids_and_time(
        self, client: TestClient[Litestar], alice: Account, abc: list[dict[str, Any]]
    ) -> None:
        first, second, third = abc

        assert texts(client, alice, {"filters[id][$gte]": str(second["id"]), "sort": "id"}) == [
            "Banana",
            "cherry 100%",
        ]
        assert texts(client, alice, {"filters[documentId]": first["documentId"]}) == ["apple"]
        assert texts(client, alice, {"filters[user][id]": str(alice.user["id"])}) == [
            "cherry 100%",
            "Banana",
            "apple",
        ]
        between = {
            "filters[id][$between][0]": str(first["id"]),
            "filters[id][$between][1]": str(second["id"]),
        }
        assert texts(client, alice, {**between, "sort": "id"}) == ["apple", "Banana"]
        # Banana may share cherry's millisecond: then both match, and cherry (the higher id) comes first.
        assert texts(
            client,
            alice,
            {"filters[timestamp][$lte]": third["timestamp"], "filters[timestamp][$gte]": third["timestamp"]},
        )[:1] == ["cherry 100%"]

    @on_every_backend
    def test_a_filter_never_reaches_another_users_rows(
        self, client: TestClient[Litestar], alice: Account, bob: Account, abc: list[dict[str, Any]]
    ) -> None:
        params = {"filters[$or][0][user][username]": "alice", "filters[$or][1][id][$gt]": "0"}

        assert texts(client, bob, params) == []

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"filters[bogus]": "1"}, "Invalid key bogus"),
            ({"filters[user][email]": "alice@example.com"}, "Invalid key email at user.email"),
            ({"filters[message][$regex]": "a.*"}, "Invalid key $regex at message.$regex"),
            ({"filters[id][$containsi]": "1"}, None),
            ({"filters[id]": "one"}, None),
            ({"filters[id]": "99999999999999999999999"}, None),
            ({"filters[message][$between][0]": "a"}, None),
            ({"filters[publishedAt][$null]": "perhaps"}, None),
            ({"filters": "message"}, None),
        ],
        ids=repr,
    )
    def test_what_cannot_be_honoured_is_refused(
        self, client: TestClient[Litestar], alice: Account, params: Params, message: str | None
    ) -> None:
        response = client.get("/api/chat-sessions", params=params, headers=alice.headers)

        assert_error(response, 400, "ValidationError", message)

    def test_deeper_than_10_or_more_than_50_conditions_is_refused(
        self, client: TestClient[Litestar], alice: Account
    ) -> None:
        ten_deep = "filters" + "[$not]" * 9 + "[id][$gt]"
        fifty = {f"filters[$and][{n}][id][$gt]": "0" for n in range(50)}

        assert get(client, alice, {ten_deep: "0"})["data"] == []
        assert get(client, alice, fifty)["data"] == []
        for too_much in (
            {"filters" + "[$not]" * 10 + "[id][$gt]": "0"},
            {**fifty, "filters[$and][50][id][$gt]": "0"},
        ):
            response = client.get("/api/chat-sessions", params=too_much, headers=alice.headers)
            assert_error(response, 400, "ValidationError")


class TestFieldsAndPopulate:
    @pytest.mark.parametrize("params", [{"fields[0]": "message"}, {"fields": "message"}], ids=repr)
    def test_fields_selects_attributes_besides_id_document_id_and_the_relations(
        self, client: TestClient[Litestar], alice: Account, abc: list[dict[str, Any]], params: Params
    ) -> None:
        [row] = get(client, alice, {**params, "filters[message]": "apple"})["data"]

        assert row == {
            "id": abc[0]["id"],
            "documentId": abc[0]["documentId"],
            "message": "apple",
            "user": abc[0]["user"],
            "conversation": None,
        }

    def test_several_fields(
        self, client: TestClient[Litestar], alice: Account, abc: list[dict[str, Any]]
    ) -> None:
        rows = get(client, alice, {"fields": "kind,createdAt"})["data"]

        assert {frozenset(row) for row in rows} == {
            frozenset({"id", "documentId", "kind", "createdAt", "user", "conversation"})
        }

    @pytest.mark.parametrize(
        "params",
        [{"populate": "*"}, {"populate": "user"}, {"populate[0]": "user"}, {"populate[user]": "true"}],
        ids=repr,
    )
    def test_populate_of_the_author_is_accepted(
        self, client: TestClient[Litestar], alice: Account, abc: list[dict[str, Any]], params: Params
    ) -> None:
        rows = get(client, alice, params)["data"]

        assert [row["user"]["username"] for row in rows] == ["alice"] * 3

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"fields[0]": "password"}, "Invalid key password"),
            ({"fields[0]": "user"}, "Invalid key user"),
            ({"populate": "friends"}, "Invalid key friends"),
            ({"populate[user][populate]": "*"}, "Invalid key populate at user.populate"),
            ({"locale": "en"}, "Invalid key locale"),
        ],
        ids=repr,
    )
    def test_unknown_keys_are_refused_with_strapis_message(
        self, client: TestClient[Litestar], alice: Account, params: Params, message: str
    ) -> None:
        response = client.get("/api/chat-sessions", params=params, headers=alice.headers)

        assert_error(response, 400, "ValidationError", message)


def test_a_query_string_means_the_same_each_time_and_only_for_its_own_route(
    client: TestClient[Litestar], alice: Account, abc: list[dict[str, Any]]
) -> None:
    """Parsed queries are remembered (strapi_query/parse.py): asked again, or of another resource,
    each answer is still the one its own route gives."""
    for _ in range(2):
        assert texts(client, alice, {"sort": "id:asc"}) == ["apple", "Banana", "cherry 100%"]
        assert_error(
            client.get("/api/chat-sessions", params={"sort": "username:asc"}, headers=alice.headers),
            400,
            "ValidationError",
        )
        users = client.get("/api/users", params={"sort": "username:asc"}, headers=alice.headers)
        assert users.status_code == 200, users.text
