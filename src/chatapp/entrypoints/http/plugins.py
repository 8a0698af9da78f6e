"""Litestar's built-ins, configured from settings: OpenAPI, CORS, rate limiting, metrics."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.config.cors import CORSConfig
from litestar.enums import ScopeType
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.spec import Components
from litestar.plugins.prometheus import PrometheusConfig

from chatapp.entrypoints.http.api_docs import swagger_ui
from chatapp.entrypoints.http.bearer import BEARER_SCHEME, BEARER_SECURITY_SCHEME
from chatapp.entrypoints.http.metrics import LeanPrometheusMiddleware
from chatapp.entrypoints.settings import Settings

openapi_config = OpenAPIConfig(
    title="chatapp",
    version="0.1.0",
    description="A chat backend speaking the Strapi chat app's REST (v5 shapes) and WebSocket protocols.",
    path="/schema",
    render_plugins=[swagger_ui],  # served at /schema and /schema/swagger, from local files
    components=Components(security_schemes={BEARER_SCHEME: BEARER_SECURITY_SCHEME}),
)

# HTTP only: on a WebSocket the middleware would wrap every frame sent for a request timing that means
# nothing there. Open WebSocket connections have a gauge of their own (ws/draining.py).
prometheus_config = PrometheusConfig(
    app_name="chatapp",
    group_path=True,
    exclude=["/metrics"],
    scopes={ScopeType.HTTP},
    middleware_class=LeanPrometheusMiddleware,
)


def per_address_and_route(request: Request[Any, Any, Any]) -> str:
    """Limits count per client address and per route, so a login flood does not block registration."""
    host = request.client.host if request.client else "unknown"
    return f"{host}::{request.scope['path']}"


def auth_rate_limit(settings: Settings) -> RateLimitConfig | None:
    rate = settings.auth_rate
    if rate is None:
        return None
    unit, count = rate
    return RateLimitConfig(rate_limit=(unit, count), identifier_for_request=per_address_and_route)  # type: ignore[arg-type]


def cors(settings: Settings) -> CORSConfig | None:
    origins = settings.split(settings.cors_origins)
    return CORSConfig(allow_origins=origins) if origins else None
