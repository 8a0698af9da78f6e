"""A query string's bracket keys as nested values, as Strapi's `qs` reads them.

`filters[user][id][$in][0]=1` becomes {"filters": {"user": {"id": {"$in": ["1"]}}}}; `a[]=x&a[]=y`
and a repeated `a=x&a=y` both become lists; objects whose keys are all indices become lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from chatapp.domain.errors import InvalidInput

MAX_SEGMENTS = 32  # far more than MAX_FILTER_DEPTH needs; bounds the parser's own work
_BRACKETS = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")

Nested = str | list[Any] | dict[str, Any]


def segments(key: str) -> list[str]:
    found = _BRACKETS.match(key)
    if found is None:
        return [key]
    return [found.group(1), *_SEGMENT.findall(found.group(2))]


def nest(pairs: Iterable[tuple[str, str]]) -> dict[str, Nested]:
    root: dict[str, Any] = {}
    for key, value in pairs:
        path = segments(key)
        if len(path) > MAX_SEGMENTS:
            raise InvalidInput(f"Invalid key {path[0]}: nested more than {MAX_SEGMENTS} levels")
        node = root
        for name in path[:-1]:
            name = name or str(len(node))
            child = node.setdefault(name, {})
            if not isinstance(child, dict):
                raise InvalidInput(f"Invalid key {name}: it has both a value and nested keys")
            node = child
        _put(node, path[-1] or str(len(node)), value)
    return {name: _listed(value) for name, value in root.items()}


def _put(node: dict[str, Any], name: str, value: str) -> None:
    if name not in node:
        node[name] = value
    elif isinstance(node[name], dict):
        raise InvalidInput(f"Invalid key {name}: it has both a value and nested keys")
    elif isinstance(node[name], list):
        node[name].append(value)
    else:
        node[name] = [node[name], value]


def _listed(value: Any) -> Nested:
    if not isinstance(value, dict):
        return value
    items = {name: _listed(child) for name, child in value.items()}
    if items and all(name.isascii() and name.isdigit() for name in items):
        return [items[name] for name in sorted(items, key=int)]
    return items
