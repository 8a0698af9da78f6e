"""The conversations API of SPEC 9 through the real app (in-memory adapters; SQL smoke tests at the end)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import (
    CHAT_SESSION_FIELDS,
    CONVERSATION_FIELDS,
    Account,
    assert_error,
    on_every_backend,
    register,
    set_blocked,
)
from tests.api.conversation_support import new_group, say, start

memory_only = pytest.mark.parametrize("database_url", [None], ids=["memory"])
Client = TestClient[Litestar]


def members_of(conversation: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m["username"], m["role"]) for m in conversation["members"]]


@memory_only
class TestCreate:
    def test_a_dm_is_created_once_then_returned(self, client: Client, alice: Account, bob: Account) -> None:
        created = start(client, alice, "direct", [bob.user["documentId"]])
        again = start(client, bob, "direct", [alice.user["id"]])

        assert created.status_code == 201 and again.status_code == 200
        body = created.json()
        assert set(body) == {"data", "meta"} and body["meta"] == {}
        dm = body["data"]
        assert set(dm) == CONVERSATION_FIELDS
        assert (dm["kind"], dm["title"], dm["lastSeq"], dm["lastMessage"], dm["unread"]) == (
            "direct",
            None,
            0,
            None,
            0,
        )
        assert dm["members"] == [
            {
                "id": alice.user["id"],
                "documentId": alice.user["documentId"],
                "username": "alice",
                "role": "member",
            },
            {"id": bob.user["id"], "documentId": bob.user["documentId"], "username": "bob", "role": "member"},
        ]
        assert dm["createdAt"].endswith("Z") and len(dm["documentId"]) == 24
        assert again.json()["data"]["documentId"] == dm["documentId"]

    @pytest.mark.parametrize(
        "members",
        [
            [],
            ["me"],
            ["bob", "carol"],
            [999_999],
            [10**30],
            ["10" * 15],
            ["²"],
            ["no-such-user"],
            ["blocked"],
            [[1]],
        ],
    )
    def test_a_dm_names_exactly_one_other_existing_unblocked_user(
        self, client: Client, alice: Account, bob: Account, members: list
    ) -> None:
        carol, mallory = register(client, "carol"), register(client, "mallory")
        set_blocked(client, "mallory")
        named = {
            "me": alice.user["id"],
            "bob": bob.user["id"],
            "carol": carol.user["documentId"],
            "blocked": mallory.user["id"],
        }

        response = start(
            client, alice, "direct", [named.get(m, m) if isinstance(m, str) else m for m in members]
        )

        assert_error(response, 400, "ValidationError")
        assert client.get("/api/conversations", headers=alice.headers).json()["data"] == []

    def test_a_group_is_owned_by_its_creator(self, client: Client, alice: Account, bob: Account) -> None:
        carol = register(client, "carol")

        response = start(
            client, alice, "group", [bob.user["id"], carol.user["documentId"], alice.user["id"]], "Team"
        )

        assert response.status_code == 201
        team = response.json()["data"]
        assert (team["kind"], team["title"]) == ("group", "Team")
        assert members_of(team) == [("alice", "owner"), ("bob", "member"), ("carol", "member")]

    @pytest.mark.parametrize(
        "data",
        [
            {"kind": "group", "members": []},
            {"kind": "group", "members": [], "title": ""},
            {"kind": "group", "members": [], "title": "x" * 101},
            {"kind": "group", "members": [], "title": 5},
            {"kind": "channel", "members": []},
            {"members": []},
            {"kind": "group", "members": "bob", "title": "t"},
        ],
    )
    def test_bad_bodies_are_400(self, client: Client, alice: Account, data: dict[str, Any]) -> None:
        assert_error(
            client.post("/api/conversations", json={"data": data}, headers=alice.headers),
            400,
            "ValidationError",
        )

    def test_without_a_token_it_is_401(self, client: Client) -> None:
        assert_error(
            client.post("/api/conversations", json={"data": {"kind": "group", "title": "t"}}),
            401,
            "UnauthorizedError",
        )


@memory_only
class TestRead:
    def test_listing_latest_activity_first_with_last_message_and_unread(
        self, client: Client, alice: Account, bob: Account
    ) -> None:
        old = new_group(client, alice, bob, title="old")
        new = new_group(client, alice, title="new")
        # after "new" was made, even when both fall in one millisecond of the server's clock
        later = datetime.fromisoformat(new["createdAt"]) + timedelta(milliseconds=1)
        say(client, bob, old, "wake up", at=later)
        say(client, bob, old, "still there?", at=later)

        response = client.get("/api/conversations", headers=alice.headers)
        page = client.get(
            "/api/conversations?pagination[page]=2&pagination[pageSize]=1", headers=alice.headers
        )

        body = response.json()
        assert [c["title"] for c in body["data"]] == ["old", "new"]
        assert body["meta"]["pagination"] == {"page": 1, "pageSize": 25, "pageCount": 1, "total": 2}
        first = body["data"][0]
        assert (first["lastSeq"], first["unread"]) == (2, 2)
        assert set(first["lastMessage"]) == CHAT_SESSION_FIELDS
        assert (first["lastMessage"]["message"], first["lastMessage"]["seq"]) == ("still there?", 2)
        assert first["lastMessage"]["conversation"] == old["documentId"]
        assert [c["title"] for c in page.json()["data"]] == ["new"]
        assert page.json()["meta"]["pagination"] == {"page": 2, "pageSize": 1, "pageCount": 2, "total": 2}

    @pytest.mark.parametrize(
        "query",
        [
            "pagination[page]=0",
            "pagination[pageSize]=0",
            "pagination[page]=x",
            "pagination[page]=1&pagination[start]=0",
            "pagination[offset]=1",
            # the listing has no query language besides its paging: refused, never ignored
            "filters[title][$eq]=old",
            "sort=title:asc",
            "fields[0]=title",
            "foo=bar",
        ],
    )
    def test_what_the_listing_cannot_honour_is_400(self, client: Client, alice: Account, query: str) -> None:
        assert_error(client.get(f"/api/conversations?{query}", headers=alice.headers), 400, "ValidationError")

    def test_start_and_limit_page_by_offset_as_strapi_does(self, client: Client, alice: Account) -> None:
        for title in ("first", "second", "third"):
            new_group(client, alice, title=title)

        window = client.get("/api/conversations?pagination[start]=1&pagination[limit]=1", headers=alice.headers)
        uncounted = client.get(
            "/api/conversations?pagination[start]=2&pagination[withCount]=false", headers=alice.headers
        )

        assert [c["title"] for c in window.json()["data"]] == ["second"]
        assert window.json()["meta"]["pagination"] == {"start": 1, "limit": 1, "total": 3}
        assert [c["title"] for c in uncounted.json()["data"]] == ["first"]
        assert uncounted.json()["meta"]["pagination"] == {"start": 2, "limit": 25}

    def test_one_conversation_for_members(self, client: Client, alice: Account, bob: Account) -> None:
        team = new_group(client, alice, bob)
        say(client, alice, team)

        for_bob = client.get(f"/api/conversations/{team['documentId']}", headers=bob.headers)

        assert for_bob.status_code == 200 and set(for_bob.json()) == {"data", "meta"}
        assert (for_bob.json()["data"]["unread"], for_bob.json()["data"]["lastSeq"]) == (1, 1)
        assert (
            client.get(f"/api/conversations/{team['documentId']}", headers=alice.headers).json()["data"][
                "unread"
            ]
            == 0
        )


@memory_only
class TestChange:
    def test_the_owner_renames_a_member_may_not(self, client: Client, alice: Account, bob: Account) -> None:
        team = new_group(client, alice, bob)
        path = f"/api/conversations/{team['documentId']}"

        renamed = client.put(path, json={"data": {"title": "Renamed"}}, headers=alice.headers)
        refused = client.put(path, json={"data": {"title": "Mine"}}, headers=bob.headers)

        assert renamed.status_code == 200 and renamed.json()["data"]["title"] == "Renamed"
        assert_error(refused, 403, "ForbiddenError")
        assert_error(
            client.put(path, json={"data": {"title": ""}}, headers=alice.headers), 400, "ValidationError"
        )
        assert client.get(path, headers=bob.headers).json()["data"]["title"] == "Renamed"

    def test_a_dm_cannot_be_renamed_or_change_members(
        self, client: Client, alice: Account, bob: Account
    ) -> None:
        carol = register(client, "carol")
        dm = start(client, alice, "direct", [bob.user["id"]]).json()["data"]
        path = f"/api/conversations/{dm['documentId']}"

        assert_error(
            client.put(path, json={"data": {"title": "t"}}, headers=alice.headers), 400, "ValidationError"
        )
        added = client.post(
            f"{path}/members", json={"data": {"users": [carol.user["id"]]}}, headers=alice.headers
        )
        assert_error(added, 400, "ValidationError")
        left = client.delete(f"{path}/members/{alice.user['documentId']}", headers=alice.headers)
        assert_error(left, 400, "ValidationError")

    def test_the_owner_adds_members(self, client: Client, alice: Account, bob: Account) -> None:
        carol = register(client, "carol")
        team = new_group(client, alice)
        path = f"/api/conversations/{team['documentId']}/members"

        added = client.post(
            path, json={"data": {"users": [bob.user["documentId"], carol.user["id"]]}}, headers=alice.headers
        )
        refused = client.post(path, json={"data": {"users": [alice.user["id"]]}}, headers=bob.headers)

        assert added.status_code == 200
        assert members_of(added.json()["data"]) == [
            ("alice", "owner"),
            ("bob", "member"),
            ("carol", "member"),
        ]
        assert_error(refused, 403, "ForbiddenError")
        unknown = client.post(path, json={"data": {"users": ["no-such-user"]}}, headers=alice.headers)
        assert_error(unknown, 400, "ValidationError")

    def test_remove_leave_and_hand_ownership_on(self, client: Client, alice: Account, bob: Account) -> None:
        carol = register(client, "carol")
        team = new_group(client, alice, bob, carol)
        path = f"/api/conversations/{team['documentId']}"

        refused = client.delete(f"{path}/members/{carol.user['documentId']}", headers=bob.headers)
        removed = client.delete(f"{path}/members/{carol.user['documentId']}", headers=alice.headers)
        left = client.delete(f"{path}/members/{alice.user['documentId']}", headers=alice.headers)

        assert_error(refused, 403, "ForbiddenError")
        assert (removed.status_code, removed.content, left.status_code) == (204, b"", 204)
        assert members_of(client.get(path, headers=bob.headers).json()["data"]) == [("bob", "owner")]
        assert_error(client.get(path, headers=alice.headers), 404, "NotFoundError")
        assert_error(client.get(path, headers=carol.headers), 404, "NotFoundError")
        missing = client.delete(f"{path}/members/{carol.user['documentId']}", headers=bob.headers)
        assert_error(missing, 404, "NotFoundError")

    def test_read_markers_move_forward_only(self, client: Client, alice: Account, bob: Account) -> None:
        team = new_group(client, alice, bob)
        for _ in range(3):
            say(client, bob, team)
        path = f"/api/conversations/{team['documentId']}/read"

        forward = client.put(path, json={"data": {"seq": 2}}, headers=alice.headers)
        back = client.put(path, json={"data": {"seq": 1}}, headers=alice.headers)

        assert (forward.status_code, forward.json()["data"]["unread"]) == (200, 1)
        assert back.json()["data"]["unread"] == 1
        for bad in (-1, "2", 1.5, None):
            assert_error(
                client.put(path, json={"data": {"seq": bad}}, headers=alice.headers), 400, "ValidationError"
            )


@memory_only
def test_a_non_member_gets_404_from_every_conversation_route(
    client: Client, alice: Account, bob: Account
) -> None:
    eve = register(client, "eve")
    team = new_group(client, alice, bob)
    say(client, alice, team, "secret")
    path = f"/api/conversations/{team['documentId']}"
    member = f"{path}/members/{bob.user['documentId']}"

    answers = [
        client.get(path, headers=eve.headers),
        client.put(path, json={"data": {"title": "pwned"}}, headers=eve.headers),
        client.post(f"{path}/members", json={"data": {"users": [eve.user["id"]]}}, headers=eve.headers),
        client.delete(member, headers=eve.headers),
        client.delete(f"{path}/members/{eve.user['documentId']}", headers=eve.headers),
        client.put(f"{path}/read", json={"data": {"seq": 1}}, headers=eve.headers),
        client.get(
            f"/api/chat-sessions?filters[conversation][documentId][$eq]={team['documentId']}",
            headers=eve.headers,
        ),
    ]

    for response in answers:
        assert_error(response, 404, "NotFoundError")
    assert [c["title"] for c in client.get("/api/conversations", headers=eve.headers).json()["data"]] == []
    assert client.get(path, headers=alice.headers).json()["data"]["title"] == "team"
    assert (
        client.get("/api/chat-sessions", headers=eve.headers).json()["data"] == []
    )  # nothing stored for eve


@memory_only
class TestConversationMessages:
    def test_posting_to_a_conversation_numbers_the_message_and_members_see_it(
        self, client: Client, alice: Account, bob: Account
    ) -> None:
        team = new_group(client, alice, bob)
        body = {"data": {"message": "over REST", "conversation": team["documentId"]}, "clientId": "r-1"}

        first = client.post("/api/chat-sessions", json=body, headers=bob.headers)
        retry = client.post("/api/chat-sessions", json=body, headers=bob.headers)
        second = client.post(
            "/api/chat-sessions",
            json={"data": {"message": "and again", "conversation": team["documentId"]}},
            headers=alice.headers,
        )

        assert first.status_code == 201 and set(first.json()["data"]) == CHAT_SESSION_FIELDS
        row = first.json()["data"]
        assert (row["conversation"], row["seq"], row["user"]["username"]) == (team["documentId"], 1, "bob")
        assert retry.json()["data"] == row and second.json()["data"]["seq"] == 2
        seen = client.get(f"/api/conversations/{team['documentId']}", headers=alice.headers).json()["data"]
        assert (seen["lastSeq"], seen["unread"], seen["lastMessage"]["message"]) == (2, 1, "and again")
        unknown = client.post(
            "/api/chat-sessions",
            json={"data": {"message": "x", "conversation": "nope"}},
            headers=alice.headers,
        )
        assert_error(unknown, 404, "NotFoundError")

    def test_every_message_of_the_conversation_for_members_with_seq_filters_and_order(
        self, client: Client, alice: Account, bob: Account
    ) -> None:
        team = new_group(client, alice, bob)
        for n in range(1, 6):
            say(client, alice if n % 2 else bob, team, f"m{n}")
        client.post("/api/chat-sessions", json={"data": {"message": "personal"}}, headers=alice.headers)
        listing = f"/api/chat-sessions?filters[conversation][documentId][$eq]={team['documentId']}"

        everything = client.get(f"{listing}&sort=seq:asc", headers=bob.headers).json()
        some = client.get(
            f"{listing}&sort=seq:desc&filters[seq][$gt]=1&filters[seq][$lte]=4", headers=alice.headers
        ).json()
        window = client.get(
            f"{listing}&sort=seq:asc&filters[seq][$gte]=2&filters[seq][$lt]=4", headers=alice.headers
        ).json()
        own = client.get("/api/chat-sessions", headers=alice.headers).json()

        assert [(r["seq"], r["message"], r["user"]["username"]) for r in everything["data"]] == [
            (1, "m1", "alice"),
            (2, "m2", "bob"),
            (3, "m3", "alice"),
            (4, "m4", "bob"),
            (5, "m5", "alice"),
        ]
        assert {r["conversation"] for r in everything["data"]} == {team["documentId"]}
        assert everything["meta"]["pagination"]["total"] == 5
        assert [r["seq"] for r in some["data"]] == [4, 3, 2]
        assert [r["seq"] for r in window["data"]] == [2, 3]
        personal = [r for r in own["data"] if r["message"] == "personal"]
        assert [(r["conversation"], r["seq"]) for r in personal] == [(None, None)]

    @pytest.mark.parametrize(
        "query",
        [
            "filters[seq][$gt]=1.5",
            "filters[seq][$gte]=x",
            "filters[seq][$lt]=²",
            "filters[seq][$contains]=1",
            "sort=seq:up",
        ],
    )
    def test_bad_seq_filters_are_400(self, client: Client, alice: Account, query: str) -> None:
        team = new_group(client, alice)
        listing = f"/api/chat-sessions?filters[conversation][documentId][$eq]={team['documentId']}"

        assert_error(client.get(f"{listing}&{query}", headers=alice.headers), 400, "ValidationError")


@on_every_backend
def test_the_conversation_routes_on_every_backend(client: Client, alice: Account, bob: Account) -> None:
    dm = start(client, alice, "direct", [bob.user["id"]])
    again = start(client, bob, "direct", [alice.user["documentId"]])
    team = new_group(client, alice, bob)
    say(client, bob, team, "first")
    say(client, bob, team, "second")
    path = f"/api/conversations/{team['documentId']}"

    renamed = client.put(path, json={"data": {"title": "Renamed"}}, headers=alice.headers)
    read = client.put(f"{path}/read", json={"data": {"seq": 1}}, headers=alice.headers)
    left = client.delete(f"{path}/members/{alice.user['documentId']}", headers=alice.headers)
    listed = client.get("/api/conversations", headers=bob.headers).json()
    history = client.get(
        f"/api/chat-sessions?filters[conversation][documentId][$eq]={team['documentId']}&sort=seq:asc",
        headers=bob.headers,
    ).json()

    assert (dm.status_code, again.status_code, again.json()["data"]["id"]) == (
        201,
        200,
        dm.json()["data"]["id"],
    )
    assert renamed.json()["data"]["title"] == "Renamed" and read.json()["data"]["unread"] == 1
    assert left.status_code == 204
    assert [(c["title"], c["lastSeq"]) for c in listed["data"]] == [("Renamed", 2), (None, 0)]
    assert members_of(listed["data"][0]) == [("bob", "owner")]
    assert listed["data"][0]["lastMessage"]["message"] == "second"
    assert [(r["seq"], r["message"]) for r in history["data"]] == [(1, "first"), (2, "second")]
    assert_error(client.get(path, headers=alice.headers), 404, "NotFoundError")


@on_every_backend
def test_a_removed_member_no_longer_edits_or_deletes_their_messages_there(
    client: Client, alice: Account, bob: Account
) -> None:
    team = new_group(client, alice, bob)
    body = {"data": {"message": "before", "conversation": team["documentId"]}}
    sent = client.post("/api/chat-sessions", json=body, headers=bob.headers).json()["data"]
    own = client.post("/api/chat-sessions", json={"data": {"message": "mine"}}, headers=bob.headers).json()["data"]
    client.delete(f"/api/conversations/{team['documentId']}/members/{bob.user['documentId']}", headers=alice.headers)
    row, own_row = f"/api/chat-sessions/{sent['documentId']}", f"/api/chat-sessions/{own['documentId']}"

    edited = client.put(row, json={"data": {"message": "rewritten"}}, headers=bob.headers)
    deleted = client.delete(row, headers=bob.headers)

    assert_error(edited, 404, "NotFoundError")
    assert_error(deleted, 404, "NotFoundError")
    history = client.get(
        f"/api/chat-sessions?filters[conversation][documentId][$eq]={team['documentId']}", headers=alice.headers
    )
    assert [r["message"] for r in history.json()["data"]] == ["before"]
    own_edit = client.put(own_row, json={"data": {"message": "still mine"}}, headers=bob.headers)
    assert (own_edit.status_code, client.delete(own_row, headers=bob.headers).status_code) == (200, 204)


def test_a_page_far_beyond_the_last_is_empty(client: Client, alice: Account) -> None:
    new_group(client, alice)

    response = client.get(f"/api/conversations?pagination[page]={2**31 - 1}", headers=alice.headers)

    assert response.status_code == 200 and response.json()["data"] == []
    assert response.json()["meta"]["pagination"]["total"] == 1
