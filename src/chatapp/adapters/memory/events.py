from __future__ import annotations

from chatapp.application.ports.events import EventPublisher
from chatapp.domain.events import ChatEvent


class RecordingEventPublisher(EventPublisher):
    """Keeps what was published, in order: for use-case tests, and where nobody listens live."""

    def __init__(self) -> None:
        self.events: list[ChatEvent] = []

    def publish(self, event: ChatEvent) -> None:
        self.events.append(event)
