from __future__ import annotations

import functools
from collections.abc import Iterable

from chatapp.application.query.fields import Resource
from chatapp.application.query.filters import MATCH_ALL
from chatapp.application.query.listing import ListQuery, PageWindow, Window
from chatapp.entrypoints.http.strapi_query.filters import invalid_key, parse_filters
from chatapp.entrypoints.http.strapi_query.pagination import parse_pagination
from chatapp.entrypoints.http.strapi_query.query_string import Nested, nest
from chatapp.entrypoints.http.strapi_query.selection import check_populate, parse_fields
from chatapp.entrypoints.http.strapi_query.sort import parse_sort

TOP_LEVEL = frozenset({"filters", "sort", "pagination", "fields", "populate"})
# A client pages through one listing with the same few query strings; parsing one was 3.5% of a
# listing's instructions (bench/README). Only short ones are remembered, so the cache stays small.
MAX_REMEMBERED_QUERIES = 1024
MAX_REMEMBERED_QUERY_CHARS = 256


def parse_list_query(
    pairs: Iterable[tuple[str, str]], resource: Resource, default_page_size: int = 25
) -> ListQuery:
    """The listing a query string asks for; InvalidInput (400 ValidationError) for anything it
    cannot honour exactly, never a silent default. A ListQuery is immutable: the same query string
    gets the same one."""
    items = tuple(pairs)
    if sum(len(key) + len(value) for key, value in items) <= MAX_REMEMBERED_QUERY_CHARS:
        return _remembered(items, resource, default_page_size)
    return _parse(items, resource, default_page_size)


def _parse(pairs: tuple[tuple[str, str], ...], resource: Resource, default_page_size: int) -> ListQuery:
    raw = _nested(pairs, TOP_LEVEL)
    window, with_count = _window(raw, default_page_size)
    if "populate" in raw:
        check_populate(raw["populate"], resource)
    return ListQuery(
        filter=parse_filters(raw["filters"], resource) if "filters" in raw else MATCH_ALL,
        sort=parse_sort(raw["sort"], resource) if "sort" in raw else (),
        window=window,
        with_count=with_count,
        fields=parse_fields(raw["fields"], resource) if "fields" in raw else None,
    )


_remembered = functools.lru_cache(maxsize=MAX_REMEMBERED_QUERIES)(_parse)  # failures are not remembered


def parse_window(pairs: Iterable[tuple[str, str]], default_page_size: int = 25) -> tuple[Window, bool]:
    """A listing that only pages (`pagination[...]`): its window and whether to count the total;
    any other key is a 400, as in parse_list_query."""
    return _window(_nested(pairs, frozenset({"pagination"})), default_page_size)


def _nested(pairs: Iterable[tuple[str, str]], allowed: frozenset[str]) -> dict[str, Nested]:
    """The query string as nested keys; InvalidInput for a top-level key not `allowed`."""
    raw = nest(pairs)
    for key in raw:
        if key not in allowed:
            raise invalid_key(key)
    return raw


def _window(raw: dict[str, Nested], default_page_size: int) -> tuple[Window, bool]:
    if "pagination" not in raw:
        return PageWindow(page_size=default_page_size), True
    return parse_pagination(raw["pagination"], default_page_size)
