"""The OpenAPI description of bearer authentication."""

from __future__ import annotations

from litestar.openapi.spec import SecurityRequirement, SecurityScheme

BEARER_SCHEME = "BearerToken"
BEARER_SECURITY_SCHEME = SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
BEARER: list[SecurityRequirement] = [{BEARER_SCHEME: []}]  # a route's OpenAPI `security`
