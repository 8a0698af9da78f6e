"""API documentation that works offline: Swagger UI from a pinned Python package, and AsyncAPI.

Nothing here loads from a CDN: Swagger UI's files are served from the `swagger-ui-py` wheel.
"""

from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Any

from litestar import Request, get
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.router import Router
from litestar.static_files import create_static_files_router

from chatapp.entrypoints.ws.asyncapi import asyncapi_document

SWAGGER_UI_URL = "/schema/swagger-ui"


def swagger_ui_directory() -> Path:
    """The Swagger UI build shipped inside the `swagger_ui` package (found without importing it)."""
    spec = find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("swagger-ui-py is not installed: pip install chatapp's dependencies")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


swagger_ui = SwaggerRenderPlugin(
    js_url=f"{SWAGGER_UI_URL}/swagger-ui-bundle.js",
    css_url=f"{SWAGGER_UI_URL}/swagger-ui.css",
    standalone_preset_js_url=f"{SWAGGER_UI_URL}/swagger-ui-standalone-preset.js",
    favicon=f"<link rel='icon' type='image/png' href='{SWAGGER_UI_URL}/favicon-32x32.png'>",
)


def swagger_ui_assets() -> Router:
    return create_static_files_router(
        path=SWAGGER_UI_URL, directories=[swagger_ui_directory()], include_in_schema=False, name="swagger-ui"
    )


@get("/schema/asyncapi.json", include_in_schema=False, media_type="application/json")
async def asyncapi(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The WebSocket protocols as an AsyncAPI 3 document."""
    openapi = request.app.openapi_config
    title, version = (openapi.title, openapi.version) if openapi else ("chatapp", "")
    return asyncapi_document(title=title, version=version, host=request.headers.get("host", "127.0.0.1:1337"))
