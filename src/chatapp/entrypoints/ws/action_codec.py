"""`/ws`: the seed app's JSON action protocol, as a codec: frame text in, a command out; results in, text out."""

from __future__ import annotations

import msgspec

from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.user import User
from chatapp.entrypoints.json_depth import TooDeep, check_depth
from chatapp.entrypoints.ws import errors
from chatapp.entrypoints.ws.frames import (
    CLIENT_FRAMES,
    ClientFrame,
    ConversationMessage,
    ErrorFrame,
    MessageAck,
    Pong,
    Welcome,
    any_action,
    client_frames,
    server_frames,
)
from chatapp.entrypoints.ws.sign_in import ACTIONS, ACTIONS_LEGACY, SignInRules

KNOWN_ACTIONS = frozenset(frame.__struct_config__.tag for frame in CLIENT_FRAMES)
PONG = server_frames.encode(Pong()).decode()


class ActionCodec:
    """JSON frames tagged by `action` both ways; `connect` frames sign in."""

    pong = PONG

    def __init__(self, legacy_user_id: bool) -> None:
        self.rules: SignInRules = ACTIONS_LEGACY if legacy_user_id else ACTIONS

    def decode(self, data: str | bytes) -> ClientFrame:
        if isinstance(data, bytes):
            raise errors.binary_frame()
        try:
            check_depth(data)
            return client_frames.decode(data)
        except msgspec.ValidationError as error:
            raise malformed(data, error) from None
        except (msgspec.DecodeError, TooDeep) as error:
            raise errors.invalid_json(str(error)) from None

    @staticmethod
    def welcome(user: User | None) -> str:
        assert user is not None, "the action protocol greets signed-in users only"
        return server_frames.encode(Welcome(user_id=user.id)).decode()

    @staticmethod
    def ack(message: ChatMessage) -> str:
        frame = MessageAck.of(message) if message.seq is None else ConversationMessage.of(message)
        return server_frames.encode(frame).decode()

    @staticmethod
    def error(refusal: errors.Refusal, client_id: str | None = None, conversation: str | None = None) -> str:
        frame = ErrorFrame(
            code=refusal.code or "error", content=refusal.message, client_id=client_id, conversation=conversation
        )
        return server_frames.encode(frame).decode()


def malformed(data: str, error: msgspec.ValidationError) -> errors.Refusal:
    """Valid JSON that is not one of our frames: an unknown action, or a known one with bad fields."""
    try:
        action = any_action.decode(data).action
    except msgspec.DecodeError:
        return errors.invalid_frame(str(error))
    return errors.invalid_frame(str(error)) if action in KNOWN_ACTIONS else errors.unknown_action(action)
