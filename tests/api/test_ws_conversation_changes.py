"""Conversation changes made over REST reach the members' open `/ws` connections once committed."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.testing import TestClient, WebSocketTestSession

from tests.api.conftest import CONVERSATION_FIELDS, Account, on_every_backend, register
from tests.api.conversation_support import new_group, say
from tests.api.ws_support import error_code, memory_only, receive, signed_in


def next_of(ws: WebSocketTestSession, action: str, *passing_over: str) -> Any:
    """The next frame with this action; presence news, and frames of the actions named, are passed over."""
    while (frame := receive(ws))["action"] != action:
        assert frame["action"] in ("presence", *passing_over), frame
    return frame


@memory_only
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


@memory_only
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


@on_every_backend
def test_who_may_send_follows_members_added_and_removed_at_once(
    client: TestClient[Litestar], alice: Account, bob: Account
) -> None:
    """Each frame's membership check may be answered from memory (RecentMemberships): a change made
    over REST still applies to the very next frame, removal and addition alike."""
    carol = register(client, "carol")
    team = new_group(client, alice, bob)
    path = f"/api/conversations/{team['documentId']}"

    def send(ws: WebSocketTestSession, n: int) -> Any:
        """Message n's answer: its own frame (the ack) or an error; the others' news is passed over."""
        ws.send_json(
            {"action": "message", "conversation": team["documentId"], "content": "hi", "clientId": f"c{n}"}
        )
        while (frame := receive(ws))["action"] != "error" and frame.get("clientId") != f"c{n}":
            assert frame["action"] in ("presence", "conversation", "typing", "message"), frame
        return frame

    with signed_in(client, bob) as bob_ws, signed_in(client, carol) as carol_ws:
        bob_ws.send_json({"action": "typing", "conversation": team["documentId"]})
        assert send(bob_ws, 1)["seq"] == 1
        assert error_code(send(carol_ws, 2)) == "not_found"

        client.post(f"{path}/members", json={"data": {"users": [carol.user["id"]]}}, headers=alice.headers)
        assert send(carol_ws, 3)["seq"] == 2
        client.delete(f"{path}/members/{bob.user['documentId']}", headers=alice.headers)
        assert error_code(send(bob_ws, 4)) == "not_found"
        bob_ws.send_json({"action": "typing", "conversation": team["documentId"]})
        assert error_code(next_of(bob_ws, "error")) == "not_found"


def post(client: TestClient[Litestar], author: Account, conversation: dict[str, Any], content: str) -> Any:
    body = {"data": {"message": content, "conversation": conversation["documentId"]}}
    response = client.post("/api/chat-sessions", json=body, headers=author.headers)
    assert response.status_code == 201, response.text
    return response.json()["data"]


def until_pong(ws: WebSocketTestSession) -> list[Any]:
    """Every frame before the answer to a ping sent now, presence news left out."""
    ws.send_json({"action": "ping"})
    frames = []
    while (frame := receive(ws)) != {"action": "pong"}:
        if frame["action"] != "presence":
            frames.append(frame)
    return frames


@on_every_backend
def test_an_edit_and_a_deletion_never_overtake_the_message_they_are_about(
    client: TestClient[Litestar], alice: Account, bob: Account
) -> None:
    """A new connection's live messages wait for its first frame (a resume) or a second: the news
    about one of them waits behind it, or the client would show a stale or a deleted message."""
    team = new_group(client, alice, bob)
    with signed_in(client, bob) as bob_ws:  # sends nothing: its live frames are held
        edited = post(client, alice, team, "helo")
        deleted = post(client, alice, team, "oops, wrong chat")
        fix = {"data": {"message": "hello"}}
        client.put(f"/api/chat-sessions/{edited['documentId']}", json=fix, headers=alice.headers)
        client.delete(f"/api/chat-sessions/{deleted['documentId']}", headers=alice.headers)
        first = receive(bob_ws)  # waits out the hold
        got = [first, *until_pong(bob_ws)]

    assert [(f["action"], f["documentId"]) for f in got] == [
        ("message", edited["documentId"]),
        ("message", deleted["documentId"]),
        ("edited", edited["documentId"]),
        ("deleted", deleted["documentId"]),
    ]


@on_every_backend
def test_a_member_added_back_resumes_what_they_missed_on_the_same_connection(
    client: TestClient[Litestar], alice: Account, bob: Account
) -> None:
    team = new_group(client, alice, bob)
    path = f"/api/conversations/{team['documentId']}"
    with signed_in(client, bob) as bob_ws:
        until_pong(bob_ws)  # the hold is over
        post(client, alice, team, "seq 1")
        assert next_of(bob_ws, "message")["seq"] == 1
        client.delete(f"{path}/members/{bob.user['documentId']}", headers=alice.headers)
        post(client, alice, team, "seq 2, bob away")
        post(client, alice, team, "seq 3, bob away")
        client.post(f"{path}/members", json={"data": {"users": [bob.user["id"]]}}, headers=alice.headers)
        post(client, alice, team, "seq 4")
        live = until_pong(bob_ws)
        bob_ws.send_json({"action": "resume", "after": {team["documentId"]: 1}})
        resumed = until_pong(bob_ws)

    assert [(f["action"], f.get("event"), f.get("seq")) for f in live] == [
        ("conversation", "removed", None),
        ("conversation", "added", None),
        ("message", None, 4),
    ]
    assert [(f["action"], f["seq"]) for f in resumed] == [("message", 2), ("message", 3), ("resumed", 4)]
