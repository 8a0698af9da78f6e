"""The `/ws` text of each live event: encoded once, sent to every recipient connection."""

from __future__ import annotations

from chatapp.domain.events import (
    ChatEvent,
    ConversationChanged,
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    PresenceChanged,
    ReadMarked,
    TokensRevoked,
    Typing,
    UserRef,
)
from chatapp.entrypoints.wire import AuthorOut, ConversationOut, iso
from chatapp.entrypoints.ws.frames import (
    ConversationMessage,
    ConversationNotice,
    DeletedNotice,
    EditedNotice,
    MessageAck,
    PresenceNotice,
    ReadNotice,
    ServerFrame,
    TypingNotice,
    server_frames,
)


def author(user: UserRef) -> AuthorOut:
    return AuthorOut(id=user.id, document_id=user.document_id, username=user.username)


def live_frame(event: ChatEvent) -> ServerFrame:
    match event:
        case MessagePosted(message=message):
            # A personal-stream message reaches its author's other connections exactly as its ack.
            return ConversationMessage.of(message) if message.seq is not None else MessageAck.of(message)
        case MessageEdited(message=message):
            return EditedNotice(
                conversation=message.conversation_document_id,
                seq=message.seq,
                id=message.id,
                document_id=message.document_id,
                content=message.message,
                updated_at=iso(message.updated_at) or "",
            )
        case MessageDeleted(message=message):
            return DeletedNotice(
                conversation=message.conversation_document_id,
                seq=message.seq,
                id=message.id,
                document_id=message.document_id,
            )
        case Typing():
            return TypingNotice(conversation=event.conversation_document_id, user=author(event.user))
        case ReadMarked():
            return ReadNotice(
                conversation=event.conversation_document_id, user=author(event.user), seq=event.seq
            )
        case PresenceChanged():
            return PresenceNotice(user=author(event.user), online=event.online)
        case ConversationChanged():
            return ConversationNotice(event=event.change, conversation=ConversationOut.of(event.conversation))
        case TokensRevoked():
            raise ValueError("TokensRevoked has no frame: the hub revokes the connections' tokens instead")


def encode_live_event(event: ChatEvent) -> str:
    return server_frames.encode(live_frame(event)).decode()
