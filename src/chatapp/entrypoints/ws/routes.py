"""WebSocket entrypoints: `/ws` (the seed app's JSON actions) and `/` (the seed README's text protocol)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dishka import AsyncContainer
from dishka.integrations.litestar import FromDishka, inject_websocket
from litestar import WebSocket, websocket
from litestar.handlers import WebsocketRouteHandler

from chatapp.application.record_disconnect import RecordDisconnect
from chatapp.application.record_message import RecordMessage
from chatapp.entrypoints.settings import Settings
from chatapp.entrypoints.ws.action_protocol import ActionProtocol
from chatapp.entrypoints.ws.session import Services, Session, WireProtocol
from chatapp.entrypoints.ws.text_protocol import TextProtocol

AnySocket = WebSocket[Any, Any, Any]


def chat_socket(path: str, name: str, protocol: Callable[[Session], WireProtocol]) -> WebsocketRouteHandler:
    """A route running `protocol` over one Session per connection."""

    # The use cases are APP-scoped and stateless: resolved once per connection, never per frame.
    @websocket(path, name=name)
    @inject_websocket
    async def handler(
        socket: AnySocket,
        settings: FromDishka[Settings],
        container: FromDishka[AsyncContainer],
        record_message: FromDishka[RecordMessage],
        record_disconnect: FromDishka[RecordDisconnect],
    ) -> None:
        session = Session(socket, Services(settings, container, record_message, record_disconnect))
        await session.run(protocol(session))

    return handler


WS_ROUTES = [chat_socket("/ws", "ws-actions", ActionProtocol), chat_socket("/", "ws-text", TextProtocol)]
