"""HEAD is GET without the body (RFC 9110 §9.3.2), for every GET route, as most servers do."""

from __future__ import annotations

from litestar.types import ASGIApp, Message, Receive, Scope, Send


def with_head_as_get(app: ASGIApp) -> ASGIApp:
    async def head_as_get(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await app({**scope, "method": "GET"}, receive, without_body)  # type: ignore[typeddict-item]

    return head_as_get
