"""Wire frames of both WebSocket protocols, as msgspec Structs with one decoder/encoder each."""

from __future__ import annotations

from typing import Annotated

import msgspec

from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.rules import CLIENT_ID_MAX_CHARS
from chatapp.entrypoints.wire import iso

WELCOME = "Welcome to the WebSocket server!"

ClientId = Annotated[str, msgspec.Meta(min_length=1, max_length=CLIENT_ID_MAX_CHARS)]
UserRef = int | str  # the seed sends integer ids; numeric strings and documentIds are accepted too


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


class Ping(ClientFrame, tag="ping"):
    pass


class AnyAction(msgspec.Struct):
    """Read only when a frame fails to decode, to tell an unknown action from a malformed frame."""

    action: str


client_frames = msgspec.json.Decoder(Connect | SendMessage | Ping)
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


class ErrorFrame(ServerFrame, tag="error"):
    code: str
    content: str


class Pong(ServerFrame, tag="pong"):
    pass


server_frames = msgspec.json.Encoder()


class TextFrame(msgspec.Struct, rename="camel"):
    """A frame of the seed README's `/` protocol: `{"userId": 5, "content": "hi"}`."""

    content: str | None = None
    user_id: UserRef | None = None
    client_id: ClientId | None = None


text_frames = msgspec.json.Decoder(TextFrame)
