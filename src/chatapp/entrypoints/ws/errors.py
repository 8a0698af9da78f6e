"""The one table that turns errors into WebSocket error frames and close codes."""

from __future__ import annotations

from litestar.status_codes import (
    WS_1008_POLICY_VIOLATION,
    WS_1009_MESSAGE_TOO_BIG,
    WS_1013_TRY_AGAIN_LATER,
)

from chatapp.domain import errors


class Refusal(Exception):
    """The gateway refuses a frame (`close` is None: the connection stays open) or the connection.

    `code` is the error code shown to the client; None sends no error frame, only the close.
    """

    def __init__(self, code: str | None, message: str, close: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.close = close

    def closing(self, default: int = WS_1013_TRY_AGAIN_LATER) -> Refusal:
        """The same refusal, ending the connection (for failures that leave nothing to retry on it)."""
        return self if self.close is not None else Refusal(self.code, self.message, default)


DOMAIN_ERRORS: dict[type[errors.DomainError], tuple[str, int | None]] = {
    errors.Unauthenticated: ("unauthenticated", WS_1008_POLICY_VIOLATION),
    errors.AccountBlocked: ("unauthenticated", WS_1008_POLICY_VIOLATION),
    errors.Forbidden: ("forbidden", None),
    errors.EmptyMessage: ("empty_message", None),
    errors.MessageTooLong: ("message_too_long", None),
    errors.InvalidInput: ("invalid_frame", None),
    errors.NotFound: ("not_found", None),
    errors.StorageUnavailable: ("unavailable", None),
    errors.StorageRejected: ("rejected", None),
}


def refusal_for(error: errors.DomainError | Refusal) -> Refusal:
    if isinstance(error, Refusal):
        return error
    for cls in type(error).__mro__:
        if cls in DOMAIN_ERRORS:
            code, close = DOMAIN_ERRORS[cls]
            return Refusal(code, error.message, close)
    return Refusal("invalid_frame", error.message)


def invalid_json(detail: str) -> Refusal:
    return Refusal("invalid_json", f"Frame is not valid JSON: {detail}")


def invalid_frame(detail: str) -> Refusal:
    return Refusal("invalid_frame", detail)


def unknown_action(action: str) -> Refusal:
    return Refusal("unknown_action", f"Unknown action {action[:64]!r}")


# Factories, not shared instances: re-raising one exception object keeps growing its traceback.
def rate_limited() -> Refusal:
    return Refusal("rate_limited", "Too many messages: slow down, this one was not stored")


def over_the_rate_limit() -> Refusal:
    return Refusal("rate_limited", "Too many frames over the rate limit: closing", WS_1008_POLICY_VIOLATION)


def binary_frame() -> Refusal:
    return Refusal("invalid_frame", "Binary frames are not supported: send JSON as text")


def not_signed_in() -> Refusal:
    return Refusal("unauthenticated", "Authenticate first: send a connect frame with a token")


def auth_timeout() -> Refusal:
    return Refusal("unauthenticated", "Authentication timed out", WS_1008_POLICY_VIOLATION)


def origin_not_allowed() -> Refusal:
    return Refusal("forbidden", "Origin not allowed", WS_1008_POLICY_VIOLATION)


def tokens_revoked() -> Refusal:
    return Refusal(
        "unauthenticated",
        "Signed out: the password changed or the account was blocked. Sign in again.",
        WS_1008_POLICY_VIOLATION,
    )


def frame_too_large() -> Refusal:
    return Refusal(None, "Frame too large", WS_1009_MESSAGE_TOO_BIG)


def too_slow() -> Refusal:
    return Refusal(None, "Too slow: frames were not read", WS_1013_TRY_AGAIN_LATER)
