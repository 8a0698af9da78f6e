"""Every error the business rules can raise. Each transport maps these in exactly one table."""

from __future__ import annotations

from collections.abc import Sequence


class DomainError(Exception):
    """Base of all business-rule failures; `message` is safe to show to the client.

    Each kind of failure carries its usual wording (`default_message`); a raise site passes a
    message only to say something more specific.
    """

    code = "domain_error"
    default_message = "The request breaks a rule of the service"

    def __init__(self, message: str | None = None) -> None:
        message = message or self.default_message
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """The request is well-formed but a field breaks a rule (length, format...); `field` names it."""

    code = "invalid_input"

    def __init__(self, message: str | None = None, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidFields(InvalidInput):
    """Several fields break rules at once: each one is reported, not just the first."""

    code = "invalid_fields"

    def __init__(self, problems: Sequence[InvalidInput]) -> None:
        self.problems = tuple(problems)
        one = len(self.problems) == 1
        super().__init__(self.problems[0].message if one else f"{len(self.problems)} errors occurred")


class EmptyMessage(InvalidInput):
    code = "empty_message"


class MessageTooLong(InvalidInput):
    code = "message_too_long"


class InvalidCredentials(InvalidInput):
    """Unknown identifier or wrong password: deliberately indistinguishable."""

    code = "invalid_credentials"
    default_message = "Invalid identifier or password"


class AlreadyTaken(DomainError):
    """A username or email already belongs to another account."""

    code = "already_taken"
    default_message = "Email or Username are already taken"


class AccountBlocked(DomainError):
    code = "account_blocked"
    default_message = "Your account has been blocked by an administrator"


class Unauthenticated(DomainError):
    """No valid proof of identity (missing, forged, expired or revoked token)."""

    code = "unauthenticated"
    default_message = "Missing or invalid credentials"


class Forbidden(DomainError):
    """The caller is known but may not act on behalf of someone else."""

    code = "forbidden"
    default_message = "Forbidden"


class NotFound(DomainError):
    code = "not_found"
    default_message = "Not Found"


class StorageUnavailable(DomainError):
    """The database cannot be reached: nothing was stored, the caller may retry."""

    code = "unavailable"
    default_message = "The database is unavailable"


class StorageRejected(DomainError):
    """The database refused the write itself (its author was deleted meanwhile, say): nothing was
    stored, and sending the same again will be refused the same way."""

    code = "rejected"
    default_message = "The database refused to store this; sending it again will not help"
