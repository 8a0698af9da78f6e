"""Conversations over `/ws`: live fan-out to every member connection, resume, typing, presence."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient, WebSocketTestSession

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.adapters.memory.unit_of_work import InMemoryUnitOfWork
from tests.adapters.factories import new_conversation
from tests.api.conftest import Account, register
from tests.api.ws_support import error_code, memory_only, receive, signed_in

pytestmark = memory_only


def group(client: TestClient[Litestar], db: InMemoryDatabase, owner: Account, *members: Account) -> str:
    """A group conversation of these accounts, stored directly; its documentId."""

    async def create() -> str:
        users = [db.users[account.user["id"]] for account in (owner, *members)]
        async with InMemoryUnitOfWork(db) as uow:
            conversation = await uow.conversations.add(new_conversation(*users))
            await uow.commit()
        return conversation.document_id

    return str(client.blocking_portal.call(create))


def say(ws: WebSocketTestSession, conversation: str, content: str, **fields: Any) -> None:
    ws.send_json({"action": "message", "conversation": conversation, "content": content, **fields})


def nothing_more(ws: WebSocketTestSession) -> None:
    """The connection has no frame waiting: a ping's answer is the very next frame."""
    ws.send_json({"action": "ping"})
    assert receive(ws) == {"action": "pong"}


def settle(*connections: WebSocketTestSession) -> None:
    """Read the presence news that opening these connections caused (up to a ping's answer)."""
    for ws in connections:
        ws.send_json({"action": "ping"})
        while (frame := receive(ws)) != {"action": "pong"}:
            assert frame["action"] == "presence", frame


@pytest.fixture
def carol(client: TestClient[Litestar]) -> Account:
    return register(client, "carol")


def test_a_message_reaches_every_member_connection_once_and_its_sender_one_ack(
    client: TestClient[Litestar], memory_db: InMemoryDatabase, alice: Account, bob: Account, carol: Account
) -> None:
    chat = group(client, memory_db, alice, bob)
    with (
        signed_in(client, alice) as sender,
        signed_in(client, alice) as alice_elsewhere,
        signed_in(client, bob) as receiver,
        signed_in(client, carol) as outsider,
    ):
        settle(sender, alice_elsewhere, receiver, outsider)
        say(sender, chat, "hello team", clientId="m-1")
        frames = [receive(ws) for ws in (sender, alice_elsewhere, receiver)]

        expected_user = {key: alice.user[key] for key in ("id", "documentId", "username")}
        for frame in frames:
            assert frame == frames[0]
            assert frame["action"] == "message" and frame["content"] == "hello team"
            assert (frame["conversation"], frame["seq"], frame["clientId"]) == (chat, 1, "m-1")
            assert frame["user"] == expected_user
        for ws in (sender, alice_elsewhere, receiver, outsider):
            nothing_more(ws)


def test_seqs_follow_each_other_and_a_resent_client_id_is_answered_without_a_new_seq(
    client: TestClient[Litestar], memory_db: InMemoryDatabase, alice: Account, bob: Account
) -> None:
    chat = group(client, memory_db, alice, bob)
    with signed_in(client, alice) as sender, signed_in(client, bob) as receiver:
        settle(sender, receiver)
        for n in range(1, 4):
            say(sender, chat, f"m{n}", clientId=f"c{n}")
            assert receive(sender)["seq"] == n
        assert [receive(receiver)["seq"] for _ in range(3)] == [1, 2, 3]

        say(sender, chat, "retry of m2", clientId="c2")
        again = receive(sender)
        assert (again["seq"], again["content"]) == (2, "m2")
        nothing_more(receiver)  # a retry is not news to anyone


def test_a_non_member_is_told_the_conversation_does_not_exist_and_nothing_is_stored(
    client: TestClient[Litestar], memory_db: InMemoryDatabase, alice: Account, bob: Account, carol: Account
) -> None:
    chat = group(client, memory_db, alice, bob)
    with signed_in(client, carol) as outsider, signed_in(client, bob) as member:
        settle(outsider, member)
        for frame in (
            {"action": "message", "conversation": chat, "content": "let me in"},
            {"action": "message", "conversation": "no-such-conversation", "content": "hi"},
            {"action": "typing", "conversation": chat},
            {"action": "resume", "after": {chat: 0}},
            {"action": "read", "conversation": chat, "seq": 1},
        ):
            outsider.send_json(frame)
            refusal = receive(outsider)
            assert error_code(refusal) == "not_found", frame
            named = frame.get("conversation") or next(iter(frame["after"]))
            assert refusal["conversation"] == named, frame  # which of its frames was refused
        nothing_more(member)
    assert all(message.conversation_id is None for message in memory_db.messages.values())


def test_resume_replays_what_was_missed_then_resumed_then_live(
    client: TestClient[Litestar], memory_db: InMemoryDatabase, alice: Account, bob: Account
) -> None:
    chat = group(client, memory_db, alice, bob)
    with signed_in(client, alice) as sender:
        for n in range(1, 6):
            say(sender, chat, f"m{n}")
            assert receive(sender)["seq"] == n
        with signed_in(client, bob) as late:
            settle(sender, late)
            late.send_json({"action": "resume", "after": {chat: 2}})
            assert [receive(late)["seq"] for _ in range(3)] == [3, 4, 5]
            assert receive(late) == {"action": "resumed", "conversation": chat, "seq": 5}

            say(sender, chat, "m6")
            assert receive(sender)["seq"] == 6
            assert receive(late)["seq"] == 6
            nothing_more(late)


def test_a_resume_answers_each_unknown_conversation_by_name_and_replays_the_others(
    client: TestClient[Litestar], memory_db: InMemoryDatabase, alice: Account, bob: Account, carol: Account
) -> None:
    chat, theirs = group(client, memory_db, alice, bob), group(client, memory_db, alice, carol)
    with signed_in(client, alice) as sender:
        say(sender, chat, "m1")
        assert receive(sender)["seq"] == 1
        with signed_in(client, bob) as late:
            settle(sender, late)
            late.send_json({"action": "resume", "after": {theirs: 0, "no-such-conversation": 0, chat: 0}})
            for unknown in (theirs, "no-such-conversation"):
                refusal = receive(late)
                assert (error_code(refusal), refusal["conversation"]) == ("not_found", unknown)
            assert receive(late)["seq"] == 1
            assert receive(late) == {"action": "resumed", "conversation": chat, "seq": 1}
            nothing_more(late)


@pytest.mark.parametrize(
    "after",
    [{"x": -1}, {"x": "3"}, {"x": True}, [1], {f"c{n}": 0 for n in range(1001)}],
    ids=["negative", "string", "boolean", "not-a-map", "over-1000-conversations"],
)
def test_a_malformed_resume_is_an_invalid_frame(
    client: TestClient[Litestar], alice: Account, after: Any
) -> None:
    with signed_in(client, alice) as ws:
        ws.send_json({"action": "resume", "after": after})
        assert error_code(receive(ws)) == "invalid_frame"
        nothing_more(ws)


def test_typing_reaches_the_other_members_only(
    client: TestClient[Litestar], memory_db: InMemoryDatabase, alice: Account, bob: Account
) -> None:
    chat = group(client, memory_db, alice, bob)
    with (
        signed_in(client, alice) as typist,
        signed_in(client, alice) as typist_elsewhere,
        signed_in(client, bob) as member,
    ):
        settle(typist, typist_elsewhere, member)
        typist.send_json({"action": "typing", "conversation": chat})
        expected_user = {key: alice.user[key] for key in ("id", "documentId", "username")}
        assert receive(member) == {"action": "typing", "conversation": chat, "user": expected_user}
        for ws in (typist, typist_elsewhere, member):
            nothing_more(ws)
    assert all(message.conversation_id is None for message in memory_db.messages.values())


def test_presence_tells_who_shares_a_conversation_about_first_and_last_connections(
    client: TestClient[Litestar], memory_db: InMemoryDatabase, alice: Account, bob: Account, carol: Account
) -> None:
    group(client, memory_db, alice, bob)
    bob_ref = {key: bob.user[key] for key in ("id", "documentId", "username")}
    with signed_in(client, alice) as watcher, signed_in(client, carol) as stranger:
        with signed_in(client, bob):
            assert receive(watcher) == {"action": "presence", "user": bob_ref, "online": True}
            with signed_in(client, bob):
                nothing_more(watcher)  # a second connection is no news
            nothing_more(watcher)  # nor is its end while the first stays open
        assert receive(watcher) == {"action": "presence", "user": bob_ref, "online": False}
        nothing_more(stranger)


def test_a_connection_signing_in_hears_which_of_the_people_it_shares_a_conversation_with_are_online(
    client: TestClient[Litestar], memory_db: InMemoryDatabase, alice: Account, bob: Account, carol: Account
) -> None:
    group(client, memory_db, alice, bob)
    alice_ref = {key: alice.user[key] for key in ("id", "documentId", "username")}
    # carol shares no conversation with bob
    with signed_in(client, alice), signed_in(client, carol), signed_in(client, bob) as late:
        late.send_json({"action": "ping"})
        assert [receive(late), receive(late)] == [
            {"action": "presence", "user": alice_ref, "online": True},
            {"action": "pong"},
        ]


def test_a_personal_message_reaches_the_authors_other_connections_as_its_ack(
    client: TestClient[Litestar], alice: Account
) -> None:
    with signed_in(client, alice) as sender, signed_in(client, alice) as elsewhere:
        sender.send_json({"action": "message", "content": "note to self", "clientId": "n-1"})
        ack = receive(sender)
        assert ack["content"] == "note to self" and "conversation" not in ack
        assert receive(elsewhere) == ack
        nothing_more(sender)


def test_a_message_sent_between_a_reconnect_and_its_resume_comes_after_the_replay_once(
    client: TestClient[Litestar], memory_db: InMemoryDatabase, alice: Account, bob: Account
) -> None:
    chat = group(client, memory_db, alice, bob)
    with signed_in(client, alice) as sender:
        for n in range(1, 4):
            say(sender, chat, f"m{n}")
            assert receive(sender)["seq"] == n
        with signed_in(client, bob) as back:  # signed in: live frames wait for its first frame
            settle(sender)
            say(sender, chat, "m4")
            assert receive(sender)["seq"] == 4
            back.send_json({"action": "resume", "after": {chat: 0}})
            assert receive(back)["action"] == "presence"  # alice, online when bob signed in
            assert [receive(back)["seq"] for _ in range(4)] == [1, 2, 3, 4]
            assert receive(back) == {"action": "resumed", "conversation": chat, "seq": 4}
            nothing_more(back)


def test_a_client_that_never_resumes_still_gets_live_messages(
    client: TestClient[Litestar], memory_db: InMemoryDatabase, alice: Account, bob: Account
) -> None:
    chat = group(client, memory_db, alice, bob)
    with signed_in(client, bob) as passive, signed_in(client, alice) as sender:
        settle(sender)  # bob is online
        say(sender, chat, "are you there?")
        assert receive(sender)["seq"] == 1
        frames = [receive(passive), receive(passive)]  # alice's presence, then (after the hold) the message
        assert [f["action"] for f in frames] == ["presence", "message"] and frames[1]["seq"] == 1


def test_a_read_marker_is_stored_and_told_to_the_other_members(
    client: TestClient[Litestar], memory_db: InMemoryDatabase, alice: Account, bob: Account
) -> None:
    chat = group(client, memory_db, alice, bob)
    with signed_in(client, alice) as sender, signed_in(client, bob) as reader:
        settle(sender, reader)
        for n in range(1, 4):
            say(sender, chat, f"m{n}")
            assert receive(sender)["seq"] == n
        assert [receive(reader)["seq"] for _ in range(3)] == [1, 2, 3]

        reader.send_json({"action": "read", "conversation": chat, "seq": 2})
        bob_ref = {key: bob.user[key] for key in ("id", "documentId", "username")}
        assert receive(sender) == {"action": "read", "conversation": chat, "user": bob_ref, "seq": 2}
        listing = client.get("/api/conversations", headers=bob.headers).json()["data"]
        assert [(c["documentId"], c["unread"]) for c in listing] == [(chat, 1)]

        reader.send_json({"action": "read", "conversation": chat, "seq": 1})  # never backwards: no news
        nothing_more(sender)


def test_an_edit_and_a_deletion_over_rest_reach_every_member_connection_live(
    client: TestClient[Litestar], memory_db: InMemoryDatabase, alice: Account, bob: Account, carol: Account
) -> None:
    chat = group(client, memory_db, alice, bob)
    with signed_in(client, alice) as author, signed_in(client, bob) as member, signed_in(client, carol) as outsider:
        settle(author, member, outsider)
        say(author, chat, "helo")
        sent = receive(author)
        assert receive(member)["documentId"] == sent["documentId"]
        path = f"/api/chat-sessions/{sent['documentId']}"

        edited = client.put(path, json={"data": {"message": "hello"}}, headers=alice.headers)
        assert edited.status_code == 200, edited.text
        for ws in (author, member):
            frame = receive(ws)
            assert (frame["action"], frame["content"], frame["seq"]) == ("edited", "hello", 1), frame
            assert (frame["conversation"], frame["documentId"]) == (chat, sent["documentId"])
            assert frame["updatedAt"] == edited.json()["data"]["updatedAt"]

        assert client.delete(path, headers=alice.headers).status_code == 204
        for ws in (author, member):
            frame = receive(ws)
            assert (frame["action"], frame["documentId"], frame["seq"]) == ("deleted", sent["documentId"], 1), frame
        for ws in (author, member, outsider):
            nothing_more(ws)


def test_a_personal_message_posted_over_rest_reaches_the_authors_connection(
    client: TestClient[Litestar], alice: Account
) -> None:
    with signed_in(client, alice) as ws:
        response = client.post(
            "/api/chat-sessions", json={"data": {"message": "from my phone"}}, headers=alice.headers
        )
        assert response.status_code == 201
        frame = receive(ws)
        assert (frame["action"], frame["content"], frame["id"]) == (
            "message",
            "from my phone",
            response.json()["data"]["id"],
        )
