"""Where a client puts its bearer token, for both transports."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

AnyConnection = ASGIConnection[Any, Any, Any, Any]


def bearer_token(connection: AnyConnection) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if any."""
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def handshake_token(connection: AnyConnection) -> str | None:
    """A WebSocket handshake's token: the Bearer header, else `?token=` (browsers cannot set headers)."""
    return bearer_token(connection) or connection.query_params.get("token") or None
