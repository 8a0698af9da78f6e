"""`fields` (which attributes come back) and `populate` (which relations: checked, always populated)."""

from __future__ import annotations

from typing import Any

from chatapp.application.query.fields import Resource
from chatapp.domain.errors import InvalidInput
from chatapp.entrypoints.http.strapi_query import values
from chatapp.entrypoints.http.strapi_query.filters import invalid_key

ALWAYS = frozenset({"id", "documentId"})


def _names(raw: Any, what: str) -> list[str]:
    items = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(item, str) for item in items):
        raise InvalidInput(f"Invalid {what} parameter. Expected a string or an array of strings")
    return [name for item in items for name in (part.strip() for part in item.split(",")) if name]


def parse_fields(raw: Any, resource: Resource) -> frozenset[str]:
    chosen = frozenset(_names(raw, "fields"))
    for name in sorted(chosen - ALWAYS - resource.selectable):
        raise invalid_key(name)
    return chosen - ALWAYS


def check_populate(raw: Any, resource: Resource) -> None:
    """`*`, names, an array of names, or `populate[relation]=true`; every named relation must exist."""
    if raw == "*":
        return
    if isinstance(raw, dict):
        for name, value in raw.items():
            if name not in resource.relations:
                raise invalid_key(name)
            if isinstance(value, dict):
                nested = next(iter(value), "")
                raise invalid_key(nested, f"{name}.{nested}")
            if value != "*":
                values.boolean(f"populate[{name}]", value)
        return
    for name in _names(raw, "populate"):
        head, _, rest = name.partition(".")
        if head not in resource.relations:
            raise invalid_key(head, name)
        if rest:  # nothing to populate inside a user
            raise invalid_key(rest.partition(".")[0], name)
