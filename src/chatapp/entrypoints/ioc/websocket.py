from __future__ import annotations

from dishka import Provider, Scope, provide

from chatapp.entrypoints.ws.gateway import Gateway


class WebSocketProvider(Provider):
    """What every WebSocket connection shares: resolved once per connection, never per frame."""

    scope = Scope.APP

    gateway = provide(Gateway)
