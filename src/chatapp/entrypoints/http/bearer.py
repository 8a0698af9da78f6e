from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.openapi.spec import SecurityRequirement, SecurityScheme

BEARER_SCHEME = "BearerToken"
BEARER_SECURITY_SCHEME = SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
BEARER: list[SecurityRequirement] = [{BEARER_SCHEME: []}]  # a route's OpenAPI `security`


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if any."""
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()
