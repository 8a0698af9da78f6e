"""`sort`: `field[:asc|:desc]`, as one string, a comma list, an array, or `sort[field]=desc` objects."""

from __future__ import annotations

from typing import Any

from chatapp.application.query.fields import Resource
from chatapp.application.query.listing import SortKey
from chatapp.domain.errors import InvalidInput
from chatapp.entrypoints.http.strapi_query.filters import invalid_key

INVALID_ORDER = "Invalid order. order can only be one of asc|desc|ASC|DESC"


def parse_sort(raw: Any, resource: Resource) -> tuple[SortKey, ...]:
    pairs = [pair for item in (raw if isinstance(raw, list) else [raw]) for pair in _pairs(item, prefix="")]
    if not pairs:
        raise InvalidInput("Field cannot be empty")
    return tuple(_key(field, order, resource) for field, order in pairs)


def _pairs(item: Any, prefix: str) -> list[tuple[str, str]]:
    """(field, order) pairs of one array item: a `field:order` list, or an object of them."""
    if isinstance(item, dict):
        pairs = []
        for name, order in item.items():
            if isinstance(order, str):
                pairs.append((prefix + name, order))
            elif isinstance(order, dict):
                pairs.extend(_pairs(order, prefix=f"{prefix}{name}."))
            else:
                raise InvalidInput(
                    "Invalid sort parameter. Expected a string, an array of strings, a sort object"
                )
        return pairs
    if not isinstance(item, str):
        raise InvalidInput("Invalid sort parameter. Expected a string, an array of strings, a sort object")
    pairs = []
    for segment in filter(None, (part.strip() for part in item.split(","))):
        field, *order = segment.split(":")
        if len(order) > 1:
            raise InvalidInput(INVALID_ORDER)
        pairs.append((prefix + field.strip(), order[0] if order else "asc"))
    return pairs


def _key(field: str, order: str, resource: Resource) -> SortKey:
    if not field:
        raise InvalidInput("Field cannot be empty")
    if order.strip().lower() not in ("asc", "desc"):
        raise InvalidInput(INVALID_ORDER)
    known = resource.fields.get(field)
    if known is None or not known.sortable:
        raise invalid_key(field.rpartition(".")[2], field)
    return SortKey(field, descending=order.strip().lower() == "desc")
