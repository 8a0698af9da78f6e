"""`filters[...]` as a filter tree over a Resource's fields (Strapi's operators and nesting)."""

from __future__ import annotations

from typing import Any

from chatapp.application.query.fields import Field, FieldType, Resource
from chatapp.application.query.filters import (
    LIST_OPERATORS,
    NULL_OPERATORS,
    TEXT_OPERATORS,
    AllOf,
    AnyOf,
    Condition,
    Filter,
    Not,
    Operator,
)
from chatapp.domain.errors import InvalidInput
from chatapp.entrypoints.http.strapi_query import values

MAX_LIST_VALUES = 100
EXACT = frozenset({Operator.EQ, Operator.NE, Operator.IN, Operator.NOT_IN})
OPERATORS = {operator.value: operator for operator in Operator}


def invalid_key(key: str, path: str | None = None) -> InvalidInput:
    """Strapi's words for a key it does not know."""
    return InvalidInput(f"Invalid key {key} at {path}" if path and path != key else f"Invalid key {key}")


def parse_filters(raw: Any, resource: Resource) -> Filter:
    return _group(_object("filters", raw), resource, prefix="")


def _object(name: str, raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidInput(f"Invalid {name}: expected an object of conditions")
    return raw


def _items(name: str, raw: Any) -> list[Any]:
    if isinstance(raw, dict):
        return [raw]
    if not isinstance(raw, list):
        raise InvalidInput(f"Invalid {name}: expected a list of conditions")
    return raw


def _all(parts: list[Filter]) -> Filter:
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


def _group(raw: dict[str, Any], resource: Resource, prefix: str) -> Filter:
    """An object whose keys are fields, relations or $and / $or / $not: all of them must hold."""
    parts: list[Filter] = []
    for key, value in raw.items():
        if key == "$and":
            parts.append(AllOf(tuple(_group(_object(key, v), resource, prefix) for v in _items(key, value))))
        elif key == "$or":
            parts.append(AnyOf(tuple(_group(_object(key, v), resource, prefix) for v in _items(key, value))))
        elif key == "$not":
            parts.append(Not(_group(_object(key, value), resource, prefix)))
        elif (name := prefix + key) in resource.fields:
            parts.append(_field(name, resource.fields[name], value))
        elif not key.startswith("$") and any(field.startswith(name + ".") for field in resource.fields):
            parts.append(_group(_object(name, value), resource, prefix=name + "."))
        else:
            raise invalid_key(key, name)
    return _all(parts)


def _field(name: str, field: Field, raw: Any) -> Filter:
    """`field=value` ($eq), `field[]=a&field[]=b` ($in) or an object of operators, all of which hold."""
    if isinstance(raw, str):
        return _condition(name, field, Operator.EQ, raw)
    if isinstance(raw, list):
        return _condition(name, field, Operator.IN, raw)
    parts: list[Filter] = []
    for key, operand in raw.items():
        if key == "$not":
            parts.append(Not(_field(name, field, operand)))
        elif key in ("$and", "$or"):
            branches = tuple(_field(name, field, item) for item in _items(key, operand))
            parts.append(AllOf(branches) if key == "$and" else AnyOf(branches))
        elif key in OPERATORS:
            parts.append(_condition(name, field, OPERATORS[key], operand))
        else:
            raise invalid_key(key, f"{name}.{key}")
    if not parts:
        raise InvalidInput(f"Invalid filter on {name}: no operator")
    return _all(parts)


def _condition(name: str, field: Field, operator: Operator, operand: Any) -> Condition:
    if operator in TEXT_OPERATORS and field.type not in (FieldType.TEXT, FieldType.CHOICE):
        raise InvalidInput(f"Invalid operator {operator} for {name}: it applies to text")
    if operator in NULL_OPERATORS:
        return Condition(name, operator, values.boolean(f"{name}[{operator}]", operand))
    label = f"{name}[{operator}]"
    exact = operator in EXACT
    if operator in LIST_OPERATORS:
        items = [operand] if isinstance(operand, str) else operand
        if not isinstance(items, list) or len(items) > MAX_LIST_VALUES:
            raise InvalidInput(
                f"Invalid value for {label}: expected a list of at most {MAX_LIST_VALUES} values"
            )
        if operator is Operator.BETWEEN and len(items) != 2:
            raise InvalidInput(f"Invalid value for {label}: expected two values, low and high")
        typed = tuple(values.of_field(label, field, item, is_choice_exact=exact) for item in items)
        return Condition(name, operator, typed)
    return Condition(name, operator, values.of_field(label, field, operand, is_choice_exact=exact))
