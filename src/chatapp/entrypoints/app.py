"""The app factory: settings and dishka providers in, a Litestar app out."""

from __future__ import annotations

from dishka import Provider, make_async_container
from dishka.integrations.litestar import setup_dishka
from litestar import Litestar, Router
from litestar.plugins.prometheus import PrometheusController

from chatapp.entrypoints.http.access_log import with_access_log
from chatapp.entrypoints.http.api_docs import asyncapi, swagger_ui_assets
from chatapp.entrypoints.http.auth_routes import OTHER_ROUTES, RATE_LIMITED_ROUTES
from chatapp.entrypoints.http.chat_page import chat_page
from chatapp.entrypoints.http.chat_routes import CHAT_ROUTES
from chatapp.entrypoints.http.conversation_routes import CONVERSATION_ROUTES
from chatapp.entrypoints.http.error_bodies import with_errors_in_envelope
from chatapp.entrypoints.http.errors import EXCEPTION_HANDLERS
from chatapp.entrypoints.http.head_requests import with_head_as_get
from chatapp.entrypoints.http.health import health
from chatapp.entrypoints.http.plugins import auth_rate_limit, cors, openapi_config, prometheus_config
from chatapp.entrypoints.http.request import ChatRequest
from chatapp.entrypoints.http.shared_store import SharedStore
from chatapp.entrypoints.http.user_routes import USER_ROUTES
from chatapp.entrypoints.ioc import app_providers
from chatapp.entrypoints.settings import Settings, ensure_jwt_secret, load_settings
from chatapp.entrypoints.ws.draining import drain_websockets
from chatapp.entrypoints.ws.routes import WS_ROUTES


def create_app(settings: Settings | None = None, *providers: Provider) -> Litestar:
    """Build the app. Extra `providers` override the defaults (tests pass MemoryPersistenceProvider)."""
    settings = ensure_jwt_secret(settings or load_settings())
    container = make_async_container(*app_providers(), *providers, context={Settings: settings})
    rate_limit = auth_rate_limit(settings)
    auth = Router(
        "/", route_handlers=RATE_LIMITED_ROUTES, middleware=[rate_limit.middleware] if rate_limit else []
    )
    app = Litestar(
        route_handlers=[
            auth,
            *OTHER_ROUTES,
            *CHAT_ROUTES,
            *CONVERSATION_ROUTES,
            *USER_ROUTES,
            health,
            PrometheusController,
            *WS_ROUTES,
            asyncapi,
            swagger_ui_assets(),
            chat_page(),
        ],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        openapi_config=openapi_config,
        cors_config=cors(settings),
        middleware=[prometheus_config.middleware],
        request_class=ChatRequest,
        stores={"rate_limit": SharedStore(container)},  # AUTH_RATE_LIMIT counts across processes
        request_max_body_size=settings.http_max_body_bytes,
        logging_config=None,  # logging is ours (configure_logging): LOG_FORMAT=json must hold after startup
        # In this order (Litestar runs them first to last): connections finish recording their
        # disconnects, then the container closes the message log and the engine under them.
        on_shutdown=[drain_websockets, container.close],
    )
    setup_dishka(container, app)
    # Outermost last: the access log sees what the client gets, a HEAD request becomes GET before the
    # routes see it, and no error leaves in another shape than the envelope.
    app.asgi_handler = with_access_log(with_head_as_get(with_errors_in_envelope(app.asgi_handler)))
    return app
