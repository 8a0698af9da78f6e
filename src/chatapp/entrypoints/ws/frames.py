"""Wire frames of both WebSocket protocols, as msgspec Structs with one decoder/encoder each.

`CLIENT_FRAMES` and `SERVER_FRAMES` are the registry of the `/ws` protocol: the decoder is built
from the first, and the AsyncAPI document (`/schema/asyncapi.json`) from both. A new frame is
part of the protocol, and of its documentation, by being listed there.
"""

from __future__ import annotations

from typing import Annotated, Union

import msgspec

from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.rules import CLIENT_ID_MAX_CHARS
from chatapp.entrypoints.wire import AuthorOut, ConversationOut, iso

WELCOME = "Welcome to the WebSocket server!"

ClientId = Annotated[str, msgspec.Meta(min_length=1, max_length=CLIENT_ID_MAX_CHARS)]
UserRef = int | str  # the seed sends integer ids; numeric strings and documentIds are accepted too
Seq = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]
ConversationId = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]  # a conversation's documentId
MAX_RESUME_CONVERSATIONS = 1000


# Unknown fields are ignored, not refused: the seed's client may send more than we read.
class ClientFrame(msgspec.Struct, tag_field="action", rename="camel"):
    """Base of the `/ws` client frames, told apart by their `action`."""


class Connect(ClientFrame, tag="connect"):
    token: str | None = None
    user_id: UserRef | None = None


class SendMessage(ClientFrame, tag="message"):
    content: str | None = None  # missing content is empty_message, not invalid_frame
    client_id: ClientId | None = None
    user_id: UserRef | None = None
    conversation: ConversationId | None = None  # None: the author's personal stream, as in the seed


class Resume(ClientFrame, tag="resume"):
    """Replay every message after the given seq of each conversation, then continue live."""

    after: Annotated[dict[ConversationId, Seq], msgspec.Meta(max_length=MAX_RESUME_CONVERSATIONS)]


class Typing(ClientFrame, tag="typing"):
    conversation: ConversationId


class ReadUpTo(ClientFrame, tag="read"):
    conversation: ConversationId
    seq: Seq


class Ping(ClientFrame, tag="ping"):
    pass


class AnyAction(msgspec.Struct):
    """Read only when a frame fails to decode, to tell an unknown action from a malformed frame."""

    action: str


CLIENT_FRAMES: tuple[type[ClientFrame], ...] = (Connect, SendMessage, Ping, Resume, Typing, ReadUpTo)
client_frames = msgspec.json.Decoder(Union[CLIENT_FRAMES])  # noqa: UP007 (a tuple cannot be joined with |)
any_action = msgspec.json.Decoder(AnyAction)


class ServerFrame(msgspec.Struct, tag_field="action", rename="camel"):
    """Base of the `/ws` server frames."""


class Welcome(ServerFrame, tag="welcome", kw_only=True):
    content: str = WELCOME
    user_id: int


class MessageAck(ServerFrame, tag="message"):
    content: str
    id: int
    document_id: str
    timestamp: str
    client_id: str | None

    @classmethod
    def of(cls, message: ChatMessage) -> MessageAck:
        return cls(
            content=message.message,
            id=message.id,
            document_id=message.document_id,
            timestamp=iso(message.timestamp) or "",
            client_id=message.client_id,
        )


class ConversationMessage(ServerFrame, tag="message", kw_only=True):
    """A conversation's message, to every open connection of every member (the sender's is its ack)."""

    content: str
    id: int
    document_id: str
    timestamp: str
    client_id: str | None
    conversation: str
    seq: int
    user: AuthorOut

    @classmethod
    def of(cls, message: ChatMessage, timestamp: str | None = None) -> ConversationMessage:
        """`timestamp`: the message's as `iso` writes it, when the caller has it already."""
        assert message.conversation_document_id is not None and message.seq is not None
        return cls(
            content=message.message,
            id=message.id,
            document_id=message.document_id,
            timestamp=timestamp or iso(message.timestamp) or "",
            client_id=message.client_id,
            conversation=message.conversation_document_id,
            seq=message.seq,
            user=AuthorOut(id=message.user_id, document_id=message.user_document_id, username=message.username),
        )


class Resumed(ServerFrame, tag="resumed"):
    """A conversation's replay is complete up to `seq`; live messages follow."""

    conversation: str
    seq: int


class TypingNotice(ServerFrame, tag="typing"):
    conversation: str
    user: AuthorOut


class ReadNotice(ServerFrame, tag="read"):
    conversation: str
    user: AuthorOut
    seq: int


class PresenceNotice(ServerFrame, tag="presence"):
    user: AuthorOut
    online: bool


class ConversationNotice(ServerFrame, tag="conversation"):
    """A conversation the recipient was `added` to, that was `updated`, or they were `removed` from.
    Encoded once for all recipients: `lastMessage` is null and `unread` 0 (GET it for those)."""

    event: str
    conversation: ConversationOut


class EditedNotice(ServerFrame, tag="edited", kw_only=True):
    conversation: str | None
    seq: int | None
    id: int
    document_id: str
    content: str
    updated_at: str


class DeletedNotice(ServerFrame, tag="deleted", kw_only=True):
    conversation: str | None
    seq: int | None
    id: int
    document_id: str


class ErrorFrame(ServerFrame, tag="error", omit_defaults=True):
    code: str
    content: str
    client_id: str | None = None  # the refused message's, when it had one
    conversation: str | None = None  # the conversation the refused frame (or resume entry) named


class Pong(ServerFrame, tag="pong"):
    pass


SERVER_FRAMES: tuple[type[ServerFrame], ...] = (
    Welcome,
    MessageAck,
    ConversationMessage,
    Resumed,
    TypingNotice,
    ReadNotice,
    PresenceNotice,
    ConversationNotice,
    EditedNotice,
    DeletedNotice,
    ErrorFrame,
    Pong,
)
server_frames = msgspec.json.Encoder()


class TextFrame(msgspec.Struct, rename="camel"):
    """A frame of the seed README's `/` protocol: `{"userId": 5, "content": "hi"}`."""

    content: str | None = None
    user_id: UserRef | None = None
    client_id: ClientId | None = None


text_frames = msgspec.json.Decoder(TextFrame)
