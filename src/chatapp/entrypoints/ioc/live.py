from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, alias, provide

from chatapp.application.live.hub import LiveHub
from chatapp.application.live.relay import Relay
from chatapp.application.ports.conversations import ConversationDirectory, MessageHistory
from chatapp.application.ports.events import EventPublisher
from chatapp.application.ports.user_directory import UserDirectory
from chatapp.entrypoints.ws.live_frames import encode_live_event


class LiveProvider(Provider):
    """Live delivery to this process's WebSocket connections; use cases publish to it."""

    scope = Scope.APP

    @provide
    async def hub(
        self, history: MessageHistory, directory: ConversationDirectory, relay: Relay, users: UserDirectory
    ) -> AsyncIterator[LiveHub]:
        hub = LiveHub(history, directory, encode_live_event, relay, users)
        relay.start(hub)
        yield hub
        await relay.aclose()
        await hub.aclose()

    publisher = alias(source=LiveHub, provides=EventPublisher)
