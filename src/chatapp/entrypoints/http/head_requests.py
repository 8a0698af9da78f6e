"""HEAD is GET without the body (RFC 9110 §9.3.2), for every GET route, as most servers do."""

from __future__ import annotations

from collections.abc import Awaitable

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send


def with_head_as_get(app: ASGIApp) -> ASGIApp:
    def dispatch(scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not a coroutine: what it does not touch runs as the app's own (a WebSocket connection
        # keeps no frame of this wrapper for its lifetime).
        if scope["type"] != ScopeType.HTTP or scope["method"] != "HEAD":
            return app(scope, receive, send)
        return head_as_get(scope, receive, send)

    async def head_as_get(scope: HTTPScope, receive: Receive, send: Send) -> None:
        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            await send(message)

        await app({**scope, "method": "GET"}, receive, without_body)

    return dispatch
