from __future__ import annotations

from abc import abstractmethod
from typing import Protocol

from chatapp.domain.events import ChatEvent


class Subscriber(Protocol):
    """One open connection of a signed-in user, as live delivery sees it."""

    connection_id: int

    @abstractmethod
    def deliver(self, frame: str, conversation_id: int | None, seq: int | None) -> None:
        """Queue `frame` for the peer without blocking; a peer that cannot keep up is closed.

        Conversation messages come in seq order; the subscriber drops a seq it has already sent
        (the seam between a resume's replay and live delivery). A frame with a conversation id and
        no seq is a notice about that conversation (an edit, a deletion, a membership change): it
        must not overtake the conversation's messages still queued for the peer.
        """

    @abstractmethod
    def revoke(self, token_version: int) -> None:
        """The user's tokens older than `token_version` were revoked: end the connection if its is one."""


class FrameEncoder(Protocol):
    """The wire text of an event: computed once per event, whatever the number of recipients."""

    @abstractmethod
    def __call__(self, event: ChatEvent) -> str: ...
