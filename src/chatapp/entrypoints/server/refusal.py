"""Answers the server gives on its own, before any request reaches the app: Strapi's envelope, then close."""

from __future__ import annotations

import http

import msgspec

from chatapp.entrypoints.http.errors import ErrorBody, ErrorEnvelope


def refusal(status: int, name: str, message: str) -> bytes:
    """A complete HTTP/1.1 response with the error envelope; the connection closes after it."""
    body = msgspec.json.encode(
        ErrorEnvelope(data=None, error=ErrorBody(status=status, name=name, message=message, details={}))
    )
    head = (
        f"HTTP/1.1 {status} {http.HTTPStatus(status).phrase}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


BAD_REQUEST = refusal(400, "ValidationError", "Invalid HTTP request")
HEAD_TOO_LARGE = refusal(431, "RequestHeaderFieldsTooLargeError", "Request line and headers are too large")
TOO_MANY_PIPELINED = refusal(429, "RateLimitError", "Too many pipelined requests: read the answers first")
TIMED_OUT = refusal(408, "RequestTimeoutError", "The request did not arrive in time")


def no_slot(message: str) -> bytes:
    return refusal(503, "ServiceUnavailableError", message)
