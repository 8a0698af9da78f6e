"""GET /api/chat-sessions?filters[conversation][documentId][$eq]=X: a conversation's messages, any
author's, for its members only (404 otherwise); the rest of the query language narrows and orders them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from chatapp.adapters.system import RandomIdGenerator
from chatapp.application.ports.conversation_repository import NewConversation, NewMember
from chatapp.application.ports.persistence import MessageLog, UnitOfWork
from chatapp.domain.chat_message import MessageKind, NewChatMessage
from chatapp.domain.conversation import Conversation, ConversationKind, MemberRole
from tests.api.conftest import Account, assert_error, on_every_backend, register
from tests.api.test_chat_sessions_list import post

ids = RandomIdGenerator()


def open_group(client: TestClient[Litestar], owner: Account, *others: Account) -> Conversation:
    """What POST /api/conversations will do, through the app's own container."""

    async def run() -> Conversation:
        now = datetime.now(UTC)
        members = [NewMember(user_id=owner.user["id"], role=MemberRole.OWNER, joined_at=now)]
        members += [NewMember(user_id=o.user["id"], role=MemberRole.MEMBER, joined_at=now) for o in others]
        group = NewConversation(
            document_id=ids.document_id(),
            kind=ConversationKind.GROUP,
            title="team",
            created_by=owner.user["id"],
            members=tuple(members),
            created_at=now,
        )
        async with client.app.state.dishka_container() as request, await request.get(UnitOfWork) as uow:
            conversation = await uow.conversations.add(group)
            await uow.commit()
        return conversation

    return client.blocking_portal.call(run)


def say(client: TestClient[Litestar], author: Account, conversation: Conversation, *texts: str) -> None:
    """What a member's WebSocket message frame stores."""

    async def run() -> None:
        async with client.app.state.dishka_container() as request:
            log = await request.get(MessageLog)
            for text in texts:
                await log.append(
                    NewChatMessage(
                        document_id=ids.document_id(),
                        user_id=author.user["id"],
                        username=author.user["username"],
                        user_document_id=author.user["documentId"],
                        message=text,
                        kind=MessageKind.MESSAGE,
                        client_id=None,
                        timestamp=datetime.now(UTC).replace(microsecond=0),
                        conversation_id=conversation.id,
                        conversation_document_id=conversation.document_id,
                    )
                )

    client.blocking_portal.call(run)


def listed(client: TestClient[Litestar], account: Account, params: dict[str, str]) -> dict[str, Any]:
    response = client.get("/api/chat-sessions", params=params, headers=account.headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


@pytest.fixture
def team(client: TestClient[Litestar], alice: Account, bob: Account) -> Conversation:
    team = open_group(client, alice, bob)
    say(client, alice, team, "a1")
    say(client, bob, team, "b2")
    say(client, alice, team, "a3")
    post(client, alice, "alice's own")
    return team


@on_every_backend
def test_members_read_every_authors_messages_in_seq_order(
    client: TestClient[Litestar], alice: Account, bob: Account, team: Conversation
) -> None:
    of_team = {"filters[conversation][documentId][$eq]": team.document_id}

    body = listed(client, bob, {**of_team, "sort": "seq:asc"})

    assert [row["message"] for row in body["data"]] == ["a1", "b2", "a3"]
    assert body["meta"]["pagination"]["total"] == 3
    assert [r["message"] for r in listed(client, alice, {**of_team, "sort": "seq:desc"})["data"]] == [
        "a3",
        "b2",
        "a1",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"filters[seq][$gt]": "1", "sort": "seq"}, ["b2", "a3"]),
        ({"filters[seq][$lte]": "2", "sort": "seq"}, ["a1", "b2"]),
        ({"filters[seq][$gte]": "2", "filters[seq][$lt]": "3"}, ["b2"]),
        ({"filters[user][username]": "bob"}, ["b2"]),
        ({"filters[$and][0][seq][$gt]": "0", "sort[0]": "seq:desc", "pagination[limit]": "1"}, ["a3"]),
        # past seq's 32 bits: PostgreSQL bound them as the column's type and answered 500
        ({"filters[seq][$lt]": "3000000000", "filters[seq][$gt]": "-2147483649", "sort": "seq"}, ["a1", "b2", "a3"]),
        ({"filters[seq][$in][0]": "2147483648", "filters[seq][$in][1]": "2"}, ["b2"]),
    ],
    ids=repr,
)
@on_every_backend
def test_the_query_language_narrows_a_conversation(
    client: TestClient[Litestar],
    bob: Account,
    team: Conversation,
    params: dict[str, str],
    expected: list[str],
) -> None:
    params = {**params, "filters[conversation][documentId][$eq]": team.document_id}

    assert [row["message"] for row in listed(client, bob, params)["data"]] == expected


def test_a_non_member_or_an_unknown_conversation_is_not_found(
    client: TestClient[Litestar], team: Conversation
) -> None:
    eve = register(client, "eve")

    for conversation in (team.document_id, "nope"):
        response = client.get(
            "/api/chat-sessions",
            params={"filters[conversation][documentId][$eq]": conversation},
            headers=eve.headers,
        )
        assert_error(response, 404, "NotFoundError")


def test_without_that_filter_the_callers_own_rows_only(
    client: TestClient[Litestar], alice: Account, bob: Account, team: Conversation
) -> None:
    assert [row["message"] for row in listed(client, bob, {})["data"]] == ["b2"]
    assert [row["message"] for row in listed(client, alice, {"filters[seq][$null]": "true"})["data"]] == [
        "alice's own"
    ]
    inside_or = {"filters[$or][0][conversation][documentId]": team.document_id, "sort": "id"}
    assert [row["message"] for row in listed(client, bob, inside_or)["data"]] == [
        "b2"
    ]  # not the top level: own rows
