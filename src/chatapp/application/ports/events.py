from __future__ import annotations

from abc import abstractmethod
from typing import Protocol

from chatapp.domain.events import ChatEvent


class EventPublisher(Protocol):
    """Hands events to live delivery (this process's connections, and every other process's).

    publish() never blocks and never fails the use case: the event's change is already committed,
    and a recipient that missed it live reads it back from history (resume).
    """

    @abstractmethod
    def publish(self, event: ChatEvent) -> None: ...

    @abstractmethod
    def listens(self, user_id: int, besides: object | None = None) -> bool:
        """Whether a personal event of `user_id` would reach anyone (any connection but `besides`):
        lets the hot path skip building one that nobody would get."""
