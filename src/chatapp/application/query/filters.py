"""A filter tree: conditions on named fields combined with and / or / not.

Values are already typed (int, str, datetime, bool) by whoever built the tree from a request; the
field names are those of a Resource. Repositories compile the tree (SQL) or evaluate it (memory).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Operator(StrEnum):
    EQ = "$eq"
    EQI = "$eqi"
    NE = "$ne"
    NEI = "$nei"
    LT = "$lt"
    LTE = "$lte"
    GT = "$gt"
    GTE = "$gte"
    IN = "$in"
    NOT_IN = "$notIn"
    CONTAINS = "$contains"
    NOT_CONTAINS = "$notContains"
    CONTAINSI = "$containsi"
    NOT_CONTAINSI = "$notContainsi"
    STARTS_WITH = "$startsWith"
    STARTS_WITHI = "$startsWithi"
    ENDS_WITH = "$endsWith"
    ENDS_WITHI = "$endsWithi"
    NULL = "$null"
    NOT_NULL = "$notNull"
    BETWEEN = "$between"


Scalar = int | str | datetime | bool

LIST_OPERATORS = frozenset({Operator.IN, Operator.NOT_IN, Operator.BETWEEN})
NULL_OPERATORS = frozenset({Operator.NULL, Operator.NOT_NULL})
ORDER_OPERATORS = frozenset({Operator.LT, Operator.LTE, Operator.GT, Operator.GTE, Operator.BETWEEN})
TEXT_OPERATORS = frozenset(
    {
        Operator.EQI,
        Operator.NEI,
        Operator.CONTAINS,
        Operator.NOT_CONTAINS,
        Operator.CONTAINSI,
        Operator.NOT_CONTAINSI,
        Operator.STARTS_WITH,
        Operator.STARTS_WITHI,
        Operator.ENDS_WITH,
        Operator.ENDS_WITHI,
    }
)


@dataclass(slots=True, frozen=True)
class Condition:
    """`field <operator> value`. A field without a value (null) satisfies only `$null`.

    `value` is a tuple for $in / $notIn (any length) and $between (low, high: inclusive), a bool
    for $null / $notNull (`$null: false` means "not null"), one scalar otherwise.
    """

    field: str
    operator: Operator
    value: Scalar | tuple[Scalar, ...]


@dataclass(slots=True, frozen=True)
class AllOf:
    filters: tuple[Filter, ...]


@dataclass(slots=True, frozen=True)
class AnyOf:
    filters: tuple[Filter, ...]


@dataclass(slots=True, frozen=True)
class Not:
    filter: Filter


Filter = Condition | AllOf | AnyOf | Not

MATCH_ALL: Filter = AllOf(())


def depth(tree: Filter) -> int:
    """Levels of nesting: a lone condition is 1 deep."""
    match tree:
        case Condition():
            return 1
        case Not(inner):
            return 1 + depth(inner)
        case AllOf(items) | AnyOf(items):
            return 1 + max((depth(item) for item in items), default=0)


def conditions(tree: Filter) -> int:
    match tree:
        case Condition():
            return 1
        case Not(inner):
            return conditions(inner)
        case AllOf(items) | AnyOf(items):
            return sum(conditions(item) for item in items)


_ASCII_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold_case(text: str) -> str:
    """What the case-insensitive operators compare: ASCII letters folded, everything else as is
    (the one folding every backend can do identically)."""
    return text.translate(_ASCII_FOLD)


def required_value(tree: Filter, field: str) -> Scalar | None:
    """A value `field` must `$eq` for `tree` to hold, if its top-level conjunction says so."""
    match tree:
        case Condition(name, Operator.EQ, value) if name == field and not isinstance(value, tuple):
            return value
        case AllOf(items):
            return next((v for item in items if (v := required_value(item, field)) is not None), None)
    return None
