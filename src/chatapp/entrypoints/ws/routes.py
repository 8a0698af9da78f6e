"""WebSocket entrypoints: `/ws` (the seed app's JSON actions) and `/` (the seed README's text protocol)."""

from __future__ import annotations

from typing import Any

from dishka import AsyncContainer
from dishka.integrations.litestar import FromDishka, inject_websocket
from litestar import WebSocket, websocket

from chatapp.application.record_disconnect import RecordDisconnect
from chatapp.application.record_message import RecordMessage
from chatapp.entrypoints.settings import Settings
from chatapp.entrypoints.ws.action_protocol import ActionProtocol
from chatapp.entrypoints.ws.session import Services, Session
from chatapp.entrypoints.ws.text_protocol import TextProtocol

AnySocket = WebSocket[Any, Any, Any]


# The use cases are APP-scoped and stateless: resolved once per connection, never per frame.
@websocket("/ws", name="ws-actions")
@inject_websocket
async def action_socket(
    socket: AnySocket,
    settings: FromDishka[Settings],
    container: FromDishka[AsyncContainer],
    record_message: FromDishka[RecordMessage],
    record_disconnect: FromDishka[RecordDisconnect],
) -> None:
    session = Session(socket, Services(settings, container, record_message, record_disconnect))
    await session.run(ActionProtocol(session))


@websocket("/", name="ws-text")
@inject_websocket
async def text_socket(
    socket: AnySocket,
    settings: FromDishka[Settings],
    container: FromDishka[AsyncContainer],
    record_message: FromDishka[RecordMessage],
    record_disconnect: FromDishka[RecordDisconnect],
) -> None:
    session = Session(socket, Services(settings, container, record_message, record_disconnect))
    await session.run(TextProtocol(session))


WS_ROUTES = [action_socket, text_socket]
