"""The one table that turns errors into Strapi's error envelope over HTTP."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec

from chatapp.domain import errors
from chatapp.entrypoints.http import validation_details

logger = logging.getLogger("chatapp.http")

DOMAIN_ERRORS: dict[type[errors.DomainError], tuple[int, str]] = {
    errors.InvalidInput: (400, "ValidationError"),
    errors.AlreadyTaken: (400, "ApplicationError"),
    errors.AccountBlocked: (400, "ApplicationError"),
    errors.Unauthenticated: (401, "UnauthorizedError"),
    errors.Forbidden: (403, "ForbiddenError"),
    errors.NotFound: (404, "NotFoundError"),
    errors.StorageUnavailable: (503, "ServiceUnavailableError"),
    errors.StorageRejected: (409, "ConflictError"),
}

STATUS_NAMES: dict[int, str] = {
    400: "ValidationError",
    401: "UnauthorizedError",
    403: "ForbiddenError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    409: "ConflictError",
    413: "PayloadTooLargeError",
    429: "RateLimitError",
    500: "InternalServerError",
    503: "ServiceUnavailableError",
}


class ErrorBody(msgspec.Struct):
    status: int
    name: str
    message: str
    details: dict[str, Any]


class ErrorEnvelope(msgspec.Struct):
    data: None
    error: ErrorBody


def documented_errors(*statuses: int) -> dict[int, ResponseSpec]:
    """OpenAPI `responses` for a route: these statuses, each in the Strapi error envelope."""
    return {
        status: ResponseSpec(ErrorEnvelope, generate_examples=False, description=STATUS_NAMES[status])
        for status in statuses
    }


def envelope(
    status: int,
    name: str,
    message: str,
    details: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[ErrorEnvelope]:
    body = ErrorEnvelope(
        data=None, error=ErrorBody(status=status, name=name, message=message, details=details or {})
    )
    return Response(body, status_code=status, headers=headers)


def domain_error_to_response(_: Request[Any, Any, Any], error: errors.DomainError) -> Response[ErrorEnvelope]:
    details = validation_details.of_domain_error(error) if isinstance(error, errors.InvalidInput) else {}
    for cls in type(error).__mro__:
        if cls in DOMAIN_ERRORS:
            status, name = DOMAIN_ERRORS[cls]
            return envelope(status, name, error.message, details)
    return envelope(400, "ApplicationError", error.message)


def http_exception_to_response(
    request: Request[Any, Any, Any], error: HTTPException
) -> Response[ErrorEnvelope]:
    status = error.status_code
    name = STATUS_NAMES.get(status, "ApplicationError" if status < 500 else "InternalServerError")
    details: dict[str, Any] = {}
    message = error.detail
    if isinstance(error, ValidationException):
        message, details = _describe_validation(request, error)
    elif status >= 500:
        message = "Internal Server Error"
    return envelope(status, name, message, details, headers=error.headers)


def unexpected_error_to_response(
    request: Request[Any, Any, Any], error: Exception
) -> Response[ErrorEnvelope]:
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    return envelope(500, "InternalServerError", "Internal Server Error")


def _describe_validation(
    request: Request[Any, Any, Any], error: ValidationException
) -> tuple[str, dict[str, Any]]:
    """Every failing field of a JSON body, as Strapi lists them; otherwise Litestar's first cause
    (it says 'Validation failed for POST /x' and lists causes in `extra`)."""
    fields = validation_details.of_request_body(request)
    if fields:
        return validation_details.summary(fields), {"errors": fields}
    problems = error.extra if isinstance(error.extra, list) else []
    if problems and isinstance(problems[0], dict) and problems[0].get("message"):
        first = problems[0]
        if first["message"] == "'data'" and first.get("source") == "body":  # Litestar found no body at all
            return "A JSON object is required as the request body", {"errors": problems}
        key = first.get("key")
        message = f"{first['message']}" + (f" ({key})" if key and key not in first["message"] else "")
        return message, {"errors": problems}
    return error.detail or "Invalid request", {}


EXCEPTION_HANDLERS = {
    errors.DomainError: domain_error_to_response,
    HTTPException: http_exception_to_response,
    Exception: unexpected_error_to_response,
}
