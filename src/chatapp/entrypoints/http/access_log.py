"""One structured log line per HTTP request and per WebSocket handshake, never with query values.

uvicorn's access log prints the raw query string, where WebSocket clients put bearer tokens
(`/ws?token=`); redacting it by pattern missed spellings the server still decodes (`?%74oken=`).
This log never sees a value: the path, the names of the query parameters, the status, the time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable
from time import perf_counter
from urllib.parse import parse_qsl

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

logger = structlog.get_logger("chatapp.access")
_stdlib_logger = logging.getLogger("chatapp.access")

_PARAMETER_NAME = re.compile(r"[A-Za-z][\w\[\]$]{0,63}")  # names like pagination[page]; a token is not one


def query_names(query_string: bytes) -> list[str]:
    """The query's parameter names as the server decodes them; anything unlike a name is `?`."""
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return [name if _PARAMETER_NAME.fullmatch(name) else "?" for name, _ in pairs]


def _client(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


def with_access_log(app: ASGIApp) -> ASGIApp:
    def dispatch(scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not a coroutine: what is not timed runs as the app's own (see head_requests.py).
        if not _stdlib_logger.isEnabledFor(logging.INFO):  # LOG_LEVEL=warning: not even the line's fields
            return app(scope, receive, send)
        if scope["type"] == ScopeType.WEBSOCKET:
            logger.info(
                "websocket handshake", path=scope["path"], query=query_names(scope["query_string"]),
                client=_client(scope),
            )
            return app(scope, receive, send)
        if scope["type"] != ScopeType.HTTP:
            return app(scope, receive, send)
        return logged(scope, receive, send)

    async def logged(scope: HTTPScope, receive: Receive, send: Send) -> None:
        started, status = perf_counter(), 0

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await app(scope, receive, sending)
        finally:
            logger.info(
                "http request", method=scope["method"], path=scope["path"],
                query=query_names(scope["query_string"]), status=status,
                ms=round((perf_counter() - started) * 1000, 1), client=_client(scope),
            )

    return dispatch
