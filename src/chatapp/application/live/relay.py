from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Protocol

from chatapp.domain.events import ChatEvent, UserRef

if TYPE_CHECKING:
    from chatapp.application.live.hub import LiveHub


class Relay(Protocol):
    """Carries live events to the other processes serving the same database.

    A conversation message needs no relaying: the transaction that stores it tells the others
    (see MessageLog). Everything else published here reaches the other processes' connections.
    """

    @abstractmethod
    def start(self, hub: LiveHub) -> None:
        """Begin hearing the other processes; what they say goes to `hub`."""

    @abstractmethod
    async def aclose(self) -> None: ...

    @abstractmethod
    def publish(self, event: ChatEvent) -> None:
        """Send without blocking; an event that cannot be sent is dropped (it is not history)."""

    @abstractmethod
    def presence(self, user: UserRef, online: bool) -> None:
        """This process's first connection of `user` opened (online) or its last one closed."""


class LocalOnly(Relay):
    """One process serves everything (SQLite, in-memory): nobody to relay to."""

    def start(self, hub: LiveHub) -> None:
        return None

    async def aclose(self) -> None:
        return None

    def publish(self, event: ChatEvent) -> None:
        return None

    def presence(self, user: UserRef, online: bool) -> None:
        return None
