"""Test data for the contract suite."""

from __future__ import annotations

from datetime import UTC, datetime

from chatapp.adapters.system import RandomIdGenerator
from chatapp.application.ports.conversation_repository import NewConversation, NewMember
from chatapp.domain.chat_message import MessageKind, NewChatMessage
from chatapp.domain.conversation import Conversation, ConversationKind, MemberRole
from chatapp.domain.user import NewUser, User

T0 = datetime(2025, 3, 4, 5, 6, 7, 890_000, tzinfo=UTC)
ids = RandomIdGenerator()
# A row of up_users as the tests of statements insert it (alice, created at T0).
ALICE_ROW = {
    "document_id": "a" * 24,
    "username": "alice",
    "username_key": "alice",
    "email": "alice@example.com",
    "provider": "local",
    "password": "not a hash",
    "confirmed": True,
    "blocked": False,
    "token_version": 0,
    "created_at": T0,
    "updated_at": T0,
    "published_at": T0,
}


def new_user(username: str, email: str | None = None) -> NewUser:
    return NewUser(
        document_id=ids.document_id(),
        username=username,
        email=email or f"{username.lower()}@example.com",
        password_hash="$2b$04$" + "x" * 53,
        created_at=T0,
    )


def unsaved_user(user_id: int = 999_999) -> User:
    """A user the database has never seen."""
    return User(
        id=user_id,
        document_id=ids.document_id(),
        username=f"ghost{user_id}",
        email=f"ghost{user_id}@example.com",
        password_hash="x",
        created_at=T0,
        updated_at=T0,
    )


def draft(
    author: User,
    message: str = "hello",
    *,
    client_id: str | None = None,
    at: datetime = T0,
    kind: MessageKind = MessageKind.MESSAGE,
    conversation: Conversation | None = None,
) -> NewChatMessage:
    return NewChatMessage.by(
        author,
        message,
        document_id=ids.document_id(),
        timestamp=at,
        kind=kind,
        client_id=client_id,
        conversation_id=conversation and conversation.id,
        conversation_document_id=conversation and conversation.document_id,
        recipients=conversation.member_ids if conversation else frozenset(),
    )


def new_conversation(
    owner: User, *others: User, kind: ConversationKind = ConversationKind.GROUP, at: datetime = T0
) -> NewConversation:
    """A group owned by `owner` (title "team"), or with kind=DIRECT a DM between owner and the other."""
    direct = kind is ConversationKind.DIRECT
    members = [
        NewMember(user_id=owner.id, role=MemberRole.MEMBER if direct else MemberRole.OWNER, joined_at=at)
    ]
    members += [NewMember(user_id=u.id, role=MemberRole.MEMBER, joined_at=at) for u in others]
    return NewConversation(
        document_id=ids.document_id(),
        kind=kind,
        title="team" if kind is ConversationKind.GROUP else None,
        created_by=owner.id,
        members=tuple(members),
        created_at=at,
    )
