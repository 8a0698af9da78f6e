"""WebSocket entrypoints: `/ws` (the seed app's JSON actions) and `/` (the seed README's text protocol)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dishka import AsyncContainer
from dishka.integrations.litestar import FromDishka, inject_websocket
from litestar import WebSocket, websocket
from litestar.handlers import WebsocketRouteHandler

from chatapp.entrypoints.ws.action_codec import ActionCodec
from chatapp.entrypoints.ws.connection import Connection
from chatapp.entrypoints.ws.gateway import Codec, Gateway
from chatapp.entrypoints.ws.text_codec import TextCodec

AnySocket = WebSocket[Any, Any, Any]


def chat_socket(path: str, name: str, codec: Callable[[bool], Codec]) -> WebsocketRouteHandler:
    """A route running one Connection per socket, speaking `codec`."""

    @websocket(path, name=name)
    @inject_websocket
    async def handler(socket: AnySocket, gateway: FromDishka[Gateway], container: FromDishka[AsyncContainer]) -> None:
        await Connection(socket, codec(gateway.settings.ws_legacy_user_id), gateway, container).serve()

    return handler


WS_ROUTES = [chat_socket("/ws", "ws-actions", ActionCodec), chat_socket("/", "ws-text", TextCodec)]
