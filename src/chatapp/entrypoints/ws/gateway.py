"""What a WebSocket connection is given: its protocol as a codec, and the services every connection shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from chatapp.application.live.hub import LiveHub
from chatapp.application.record_disconnect import RecordDisconnect
from chatapp.application.record_message import RecordMessage
from chatapp.application.replay_conversation import ReplayConversation
from chatapp.application.signal_typing import SignalTyping
from chatapp.domain.chat_message import ChatMessage
from chatapp.domain.user import User
from chatapp.entrypoints.settings import Settings
from chatapp.entrypoints.ws import errors
from chatapp.entrypoints.ws.frames import ClientFrame
from chatapp.entrypoints.ws.sign_in import SignInRules


class Codec(Protocol):
    """A wire protocol reduced to data: its sign-in rules and its frames, both ways."""

    rules: SignInRules

    @property
    def pong(self) -> str | None:
        """The reply to a `ping` frame, where the protocol has one."""

    def decode(self, data: str | bytes) -> ClientFrame:
        """One received frame as a command; raises Refusal for anything else."""

    def welcome(self, user: User | None) -> str: ...

    def ack(self, message: ChatMessage) -> str: ...

    def error(
        self, refusal: errors.Refusal, client_id: str | None = None, conversation: str | None = None
    ) -> str:
        """The refusal of a frame; `client_id` names the refused message and `conversation` the
        conversation it was about, where the protocol can say them."""


@dataclass(slots=True, frozen=True)
class Gateway:
    """The APP-scoped services every connection uses, resolved once per connection."""

    settings: Settings
    record_message: RecordMessage
    record_disconnect: RecordDisconnect
    hub: LiveHub
    replay: ReplayConversation
    signal_typing: SignalTyping
