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
