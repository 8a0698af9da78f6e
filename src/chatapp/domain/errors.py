"""Every error the business rules can raise. Each transport maps these in exactly one table."""


class DomainError(Exception):
    """Base of all business-rule failures; `message` is safe to show to the client."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """The request is well-formed but a field breaks a rule (length, format...)."""

    code = "invalid_input"


class EmptyMessage(InvalidInput):
    code = "empty_message"


class MessageTooLong(InvalidInput):
    code = "message_too_long"


class InvalidCredentials(InvalidInput):
    """Unknown identifier or wrong password: deliberately indistinguishable."""

    code = "invalid_credentials"


class AlreadyTaken(DomainError):
    """A username or email already belongs to another account."""

    code = "already_taken"


class AccountBlocked(DomainError):
    code = "account_blocked"


class Unauthenticated(DomainError):
    """No valid proof of identity (missing, forged, expired or revoked token)."""

    code = "unauthenticated"


class Forbidden(DomainError):
    """The caller is known but may not act on behalf of someone else."""

    code = "forbidden"


class NotFound(DomainError):
    code = "not_found"


class StorageUnavailable(DomainError):
    """The database cannot be reached: nothing was stored, the caller may retry."""

    code = "unavailable"
