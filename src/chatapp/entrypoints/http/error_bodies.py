"""Error responses Litestar writes itself, outside the exception handlers, put into the Strapi envelope.

Two are known: the HTML 404 page of an unknown `/schema/<ui>` and the text/plain 400 of a CORS
preflight that is refused. Any error response that is not JSON gets the envelope here, so no
framework corner answers in another shape.
"""

from __future__ import annotations

import http
from collections.abc import Awaitable

import msgspec
from litestar.types import ASGIApp, HTTPResponseStartEvent, Message, Receive, Scope, Send

from chatapp.entrypoints.http.errors import STATUS_NAMES, ErrorBody, ErrorEnvelope

MAX_KEPT_MESSAGE_BYTES = 200  # a text/plain body short enough is kept as the message


def envelope_body(status: int, text: bytes) -> bytes:
    name = STATUS_NAMES.get(status, "ApplicationError" if status < 500 else "InternalServerError")
    message = text.decode(errors="replace").strip() if 0 < len(text) <= MAX_KEPT_MESSAGE_BYTES else ""
    body = ErrorBody(status=status, name=name, message=message or http.HTTPStatus(status).phrase, details={})
    return msgspec.json.encode(ErrorEnvelope(data=None, error=body))


def with_errors_in_envelope(app: ASGIApp) -> ASGIApp:
    def dispatch(scope: Scope, receive: Receive, send: Send) -> Awaitable[None]:
        # Not a coroutine: what is not HTTP runs as the app's own (see head_requests.py).
        return enveloped(scope, receive, send) if scope["type"] == "http" else app(scope, receive, send)

    async def enveloped(scope: Scope, receive: Receive, send: Send) -> None:
        held: HTTPResponseStartEvent | None = None
        text = bytearray()

        async def sending(message: Message) -> None:
            nonlocal held
            if message["type"] == "http.response.start" and message["status"] >= 400:
                headers = dict(message.get("headers", []))
                if not headers.get(b"content-type", b"").startswith(b"application/json"):
                    held = message
                    return
            if held is None or message["type"] != "http.response.body":
                await send(message)
                return
            text.extend(message.get("body", b"")[: MAX_KEPT_MESSAGE_BYTES + 1 - len(text)])
            if message.get("more_body", False):
                return
            body = envelope_body(held["status"], bytes(text) if _is_text(held) else b"")
            kept = [(k, v) for k, v in held.get("headers", []) if k.lower() not in (b"content-type", b"content-length")]
            kept += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
            await send({**held, "headers": kept})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        await app(scope, receive, sending)

    return dispatch


def _is_text(start: HTTPResponseStartEvent) -> bool:
    return dict(start.get("headers", [])).get(b"content-type", b"").startswith(b"text/plain")
