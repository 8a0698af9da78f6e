"""Conversation changes made over REST reach the members' open `/ws` connections once committed."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import TestClient, WebSocketTestSession

from tests.api.conftest import CONVERSATION_FIELDS, Account, register
from tests.api.conversation_support import new_group, say
from tests.api.ws_support import memory_only, receive, signed_in

pytestmark = memory_only


def next_of(ws: WebSocketTestSession, action: str, *passing_over: str) -> Any:
    """The next frame with this action; presence news, and frames of the actions named, are passed over."""
    while (frame := receive(ws))["action"] != action:
        assert frame["action"] in ("presence", *passing_over), frame
    return frame


def test_members_hear_added_updated_removed_and_read(
    client: TestClient[Litestar], alice: Account, bob: Account
) -> None:
    carol = register(client, "carol")
    with (
        signed_in(client, alice) as alice_ws,
        signed_in(client, bob) as bob_ws,
        signed_in(client, carol) as carol_ws,
    ):
        team = new_group(client, alice, bob)
        added = next_of(bob_ws, "conversation")
        assert next_of(alice_ws, "conversation")["event"] == "added"
        path = f"/api/conversations/{team['documentId']}"

        client.put(path, json={"data": {"title": "Renamed"}}, headers=alice.headers)
        renamed = next_of(bob_ws, "conversation")
        client.post(f"{path}/members", json={"data": {"users": [carol.user["id"]]}}, headers=alice.headers)
        carol_added = next_of(carol_ws, "conversation")
        grown = next_of(bob_ws, "conversation")
        say(client, alice, team, "hello")  # stored directly: nothing is pushed for it
        client.put(f"{path}/read", json={"data": {"seq": 1}}, headers=bob.headers)
        read = next_of(alice_ws, "read", "conversation")  # alice heard her own changes too
        client.delete(f"{path}/members/{bob.user['documentId']}", headers=alice.headers)
        removed = next_of(bob_ws, "conversation", "read")  # bob heard his own read marker

    assert (added["event"], set(added["conversation"])) == ("added", CONVERSATION_FIELDS)
    assert added["conversation"]["documentId"] == team["documentId"]
    assert (renamed["event"], renamed["conversation"]["title"]) == ("updated", "Renamed")
    assert (carol_added["event"], grown["event"]) == ("added", "updated")
    assert [m["username"] for m in grown["conversation"]["members"]] == ["alice", "bob", "carol"]
    assert (read["conversation"], read["seq"], read["user"]["username"]) == (team["documentId"], 1, "bob")
    assert removed["event"] == "removed"
    assert [m["username"] for m in removed["conversation"]["members"]] == ["alice", "carol"]


def test_a_message_posted_over_rest_reaches_every_member_connection(
    client: TestClient[Litestar], alice: Account, bob: Account
) -> None:
    team = new_group(client, alice, bob)
    with signed_in(client, alice) as alice_ws, signed_in(client, bob) as bob_ws:
        body = {"data": {"message": "from REST", "conversation": team["documentId"]}}
        posted = client.post("/api/chat-sessions", json=body, headers=alice.headers).json()["data"]

        to_bob, to_alice = next_of(bob_ws, "message"), next_of(alice_ws, "message")

    assert to_bob == to_alice
    assert (to_bob["content"], to_bob["seq"], to_bob["conversation"]) == ("from REST", 1, team["documentId"])
    assert (to_bob["documentId"], to_bob["user"]["username"]) == (posted["documentId"], "alice")
