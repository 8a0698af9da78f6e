"""`/chat`: the web chat client, static files shipped in the package (no build step, no CDN)."""

from __future__ import annotations

from pathlib import Path

from litestar.router import Router
from litestar.static_files import create_static_files_router

CHAT_DIRECTORY = Path(__file__).parent / "static" / "chat"


def chat_page() -> Router:
    return create_static_files_router(
        path="/chat", directories=[CHAT_DIRECTORY], html_mode=True, include_in_schema=False, name="chat"
    )
