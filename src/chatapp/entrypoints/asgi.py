"""For ASGI servers: `uvicorn --factory chatapp.entrypoints.asgi:app_from_environment`."""

from __future__ import annotations

from litestar import Litestar

from chatapp.entrypoints.app import create_app
from chatapp.entrypoints.logging_setup import configure_logging
from chatapp.entrypoints.settings import load_settings


def app_from_environment() -> Litestar:
    settings = load_settings()
    configure_logging(settings)
    return create_app(settings)
