"""Wire shapes shared by HTTP and WebSocket: Strapi v5 objects, as msgspec Structs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TypeVar

import msgspec
from msgspec import UNSET, UnsetType

from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.conversation import Conversation, Member
from chatapp.domain.user import User

S = TypeVar("S", bound=msgspec.Struct)


_encode = msgspec.json.encode

# The domain's kinds and roles are StrEnums: each member is the str it names, and msgspec writes it
# as that text. The Structs below take the member itself, not its `.value`, a descriptor that costs
# ten times a plain attribute read (some 125 of them per page of `GET /api/conversations`).


def iso(moment: datetime | None) -> str | None:
    """ISO-8601 UTC with milliseconds and `Z`, as Strapi writes it.

    Cut from msgspec's RFC 3339 text (`"…T17:05:03.123456Z"`, or `"…T17:05:03Z"` when the
    microseconds are 0): 0.17 µs where isoformat(timespec="milliseconds") took 2.5 µs, and a
    listing of conversations formats some 175 moments. Truncated to the millisecond, as isoformat is.
    """
    if moment is None:
        return None
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    text = _encode(moment).decode()
    return text[1:20] + ".000Z" if len(text) == 22 else text[1:24] + "Z"


class UserOut(msgspec.Struct, rename="camel"):
    """A user as every route shows it: never a password, hash or reset code."""

    id: int
    document_id: str
    username: str
    email: str
    provider: str
    confirmed: bool
    blocked: bool
    created_at: str
    updated_at: str
    published_at: str | None

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            document_id=user.document_id,
            username=user.username,
            email=user.email,
            provider=user.provider,
            confirmed=user.confirmed,
            blocked=user.blocked,
            created_at=iso(user.created_at) or "",
            updated_at=iso(user.updated_at) or "",
            published_at=iso(user.published_at),
        )


class AuthorOut(msgspec.Struct, rename="camel"):
    """A user as other people see them: never an email. `username` may be left out by `fields`."""

    id: int
    document_id: str
    username: str | UnsetType = UNSET

    @classmethod
    def of(cls, user: User, fields: frozenset[str] | None = None) -> AuthorOut:
        out = cls(id=user.id, document_id=user.document_id, username=user.username)
        return out if fields is None else _only(out, fields)


class ChatSessionOut(msgspec.Struct, rename="camel", kw_only=True):
    """Every attribute but `id`, `documentId` and the relations (`user`, `conversation`) may be left
    out by `fields`."""

    id: int
    document_id: str
    message: str | UnsetType = UNSET
    kind: str | UnsetType = UNSET
    timestamp: str | UnsetType = UNSET
    user: AuthorOut
    created_at: str | UnsetType = UNSET
    updated_at: str | UnsetType = UNSET
    published_at: str | None | UnsetType = UNSET
    conversation: str | None  # its documentId; None: the author's personal stream
    seq: int | None | UnsetType = UNSET  # its place in the conversation: 1, 2, 3...

    @classmethod
    def of(cls, message: ChatMessage, fields: frozenset[str] | None = None) -> ChatSessionOut:
        """The message with every attribute, or only `fields` (public names, e.g. "createdAt")."""
        sent_at = message.timestamp
        sent = iso(sent_at) or ""
        out = cls(
            id=message.id,
            document_id=message.document_id,
            message=message.message,
            kind=message.kind,
            timestamp=sent,
            user=AuthorOut(
                id=message.user_id, document_id=message.user_document_id, username=message.username
            ),
            # a message's four moments are one until it is edited: its text is formatted once
            created_at=sent if message.created_at == sent_at else iso(message.created_at) or "",
            updated_at=sent if message.updated_at == sent_at else iso(message.updated_at) or "",
            published_at=sent if message.published_at == sent_at else iso(message.published_at),
            conversation=message.conversation_document_id,
            seq=message.seq,
        )
        return out if fields is None else _only(out, fields)


def _only(out: S, fields: frozenset[str]) -> S:
    """`out` with the attributes not named in `fields` left out (`id` and `documentId` always stay)."""
    dropped = {
        f.name: UNSET
        for f in msgspec.structs.fields(out)
        if f.encode_name not in fields and f.default is UNSET
    }
    return msgspec.structs.replace(out, **dropped)


class MemberOut(msgspec.Struct, rename="camel"):
    id: int
    document_id: str
    username: str
    role: str

    @classmethod
    def of(cls, member: Member) -> MemberOut:
        return cls(
            id=member.user_id,
            document_id=member.document_id,
            username=member.username,
            role=member.role,
        )


class ConversationOut(msgspec.Struct, rename="camel"):
    """A conversation as one member sees it: `unread` counts messages above their read marker that
    others wrote."""

    id: int
    document_id: str
    kind: str
    title: str | None
    members: list[MemberOut]
    last_seq: int
    last_message: ChatSessionOut | None
    unread: int
    created_at: str
    updated_at: str
    published_at: str | None

    @classmethod
    def of(
        cls, conversation: Conversation, *, last_message: ChatMessage | None = None, unread: int = 0
    ) -> ConversationOut:
        created_at = conversation.created_at
        created = iso(created_at) or ""
        return cls(
            id=conversation.id,
            document_id=conversation.document_id,
            kind=conversation.kind,
            title=conversation.title,
            members=[MemberOut.of(m) for m in conversation.members],
            last_seq=conversation.last_seq,
            last_message=None if last_message is None else ChatSessionOut.of(last_message),
            unread=unread,
            created_at=created,
            updated_at=created if conversation.updated_at == created_at else iso(conversation.updated_at) or "",
            published_at=created if conversation.published_at == created_at else iso(conversation.published_at),
        )
