"""`/`: the seed README's text protocol, as a codec: JSON frames in, plain text out."""

from __future__ import annotations

import msgspec

from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.user import User
from chatapp.entrypoints.json_depth import TooDeep, check_depth
from chatapp.entrypoints.ws import errors
from chatapp.entrypoints.ws.frames import WELCOME, ClientFrame, SendMessage, text_frames
from chatapp.entrypoints.ws.sign_in import TEXT, TEXT_LEGACY, SignInRules


class TextCodec:
    """Every frame is a message (`{"userId": 5, "content": "hi"}`); answers are plain text.

    There is no connect frame: the handshake token signs in, or, in legacy mode only, each frame's userId.
    """

    pong = None

    def __init__(self, legacy_user_id: bool) -> None:
        self.rules: SignInRules = TEXT_LEGACY if legacy_user_id else TEXT

    @staticmethod
    def decode(data: str | bytes) -> ClientFrame:
        if isinstance(data, bytes):
            raise errors.binary_frame()
        try:
            check_depth(data)
            frame = text_frames.decode(data)
        except msgspec.ValidationError as error:
            raise errors.invalid_frame(str(error)) from None
        except (msgspec.DecodeError, TooDeep) as error:
            raise errors.invalid_json(str(error)) from None
        return SendMessage(content=frame.content, client_id=frame.client_id, user_id=frame.user_id)

    @staticmethod
    def welcome(_: User | None) -> str:
        return WELCOME

    @staticmethod
    def ack(message: ChatMessage) -> str:
        return f"Server received: {message.message}"

    @staticmethod
    def error(  # plain text names neither the clientId nor the conversation
        refusal: errors.Refusal, client_id: str | None = None, conversation: str | None = None
    ) -> str:
        return f"Error: {refusal.code}: {refusal.message}"
