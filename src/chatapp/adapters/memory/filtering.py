"""Filter trees evaluated in Python over records (field name -> value), as the SQL adapters compile them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from chatapp.application.query.filters import AllOf, AnyOf, Condition, Filter, Not, Operator, fold_case
from chatapp.application.query.listing import SortKey

T = TypeVar("T")
Record = Mapping[str, Any]

_TESTS: dict[Operator, Callable[[Any, Any], bool]] = {
    Operator.EQ: lambda have, want: have == want,
    Operator.NE: lambda have, want: have != want,
    Operator.EQI: lambda have, want: fold_case(have) == fold_case(want),
    Operator.NEI: lambda have, want: fold_case(have) != fold_case(want),
    Operator.LT: lambda have, want: have < want,
    Operator.LTE: lambda have, want: have <= want,
    Operator.GT: lambda have, want: have > want,
    Operator.GTE: lambda have, want: have >= want,
    Operator.IN: lambda have, want: have in want,
    Operator.NOT_IN: lambda have, want: have not in want,
    Operator.BETWEEN: lambda have, want: want[0] <= have <= want[1],
    Operator.CONTAINS: lambda have, want: want in have,
    Operator.NOT_CONTAINS: lambda have, want: want not in have,
    Operator.CONTAINSI: lambda have, want: fold_case(want) in fold_case(have),
    Operator.NOT_CONTAINSI: lambda have, want: fold_case(want) not in fold_case(have),
    Operator.STARTS_WITH: lambda have, want: have.startswith(want),
    Operator.STARTS_WITHI: lambda have, want: fold_case(have).startswith(fold_case(want)),
    Operator.ENDS_WITH: lambda have, want: have.endswith(want),
    Operator.ENDS_WITHI: lambda have, want: fold_case(have).endswith(fold_case(want)),
}


def matches(tree: Filter, record: Record) -> bool:
    match tree:
        case Condition(field, operator, value):
            have = record[field]
            if operator is Operator.NULL:
                return (have is None) is value
            if operator is Operator.NOT_NULL:
                return (have is not None) is value
            return have is not None and _TESTS[operator](have, value)
        case Not(inner):
            return not matches(inner, record)
        case AllOf(items):
            return all(matches(item, record) for item in items)
        case AnyOf(items):
            return any(matches(item, record) for item in items)


def ordered(items: Sequence[T], keys: Sequence[SortKey], record_of: Callable[[T], Record]) -> list[T]:
    """Sorted by every key in turn; a null sorts after every value (so first when descending)."""
    rows = [(record_of(item), item) for item in items]
    for key in reversed(keys):  # stable sorts, least significant key first
        rows.sort(key=lambda row: _nulls_last(row[0][key.field]), reverse=key.descending)
    return [item for _, item in rows]


def _nulls_last(value: Any) -> tuple[Any, ...]:
    return (True,) if value is None else (False, value)
