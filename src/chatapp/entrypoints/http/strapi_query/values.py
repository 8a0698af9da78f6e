"""Query-string text turned into the typed values conditions compare with."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chatapp.application.query.fields import Field, FieldType
from chatapp.application.query.filters import Scalar
from chatapp.domain.errors import InvalidInput
from chatapp.domain.rules import NUL

MAX_INTEGER = 2**63 - 1  # BIGINT: a larger id names no row, and the database would refuse it
TRUE_WORDS = frozenset({"true", "t", "1"})
FALSE_WORDS = frozenset({"false", "f", "0"})


def text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"Invalid value for {name}: expected a single value")
    if NUL in value or not _encodable(value):  # no stored text holds these, PostgreSQL cannot compare them
        raise InvalidInput(f"Invalid value for {name}")
    return value


def _encodable(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def boolean(name: str, value: Any) -> bool:
    word = text(name, value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidInput(f"Invalid value for {name}: expected true or false, got {word!r}")


def integer(name: str, value: Any, *, minimum: int = -MAX_INTEGER, maximum: int = MAX_INTEGER) -> int:
    raw = text(name, value)
    digits = raw.removeprefix("-")
    if (
        not (digits.isascii() and digits.isdigit() and len(digits) <= 19)
        or not minimum <= int(raw) <= maximum
    ):
        raise InvalidInput(f"Invalid value for {name}: expected an integer, got {raw!r}")
    return int(raw)


def moment(name: str, value: Any) -> datetime:
    raw = text(name, value)
    try:
        parsed = datetime.fromisoformat(raw)
        return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # OverflowError: a real date, but before year 1 or after 9999 in UTC
        raise InvalidInput(f"Invalid date in {name}: {raw!r}") from None


def of_field(name: str, field: Field, value: Any, *, is_choice_exact: bool) -> Scalar:
    """The value `field` holds; for a choice compared exactly, one of its choices."""
    match field.type:
        case FieldType.INTEGER:
            return integer(name, value)
        case FieldType.DATETIME:
            return moment(name, value)
        case FieldType.CHOICE if is_choice_exact:
            chosen = text(name, value)
            if chosen not in field.choices:
                raise InvalidInput(f"Invalid value for {name}: use one of {', '.join(sorted(field.choices))}")
            return chosen
        case _:
            return text(name, value)
