"""`pagination[page|pageSize]` or `pagination[start|limit]`, and `pagination[withCount]` (Strapi's messages)."""

from __future__ import annotations

from typing import Any

from chatapp.application.query.listing import OffsetWindow, PageWindow, Window
from chatapp.domain.errors import InvalidInput
from chatapp.entrypoints.http.strapi_query import values
from chatapp.entrypoints.http.strapi_query.filters import invalid_key

KEYS = frozenset({"page", "pageSize", "start", "limit", "withCount"})
LARGEST = 2**31 - 1  # beyond any real page; keeps OFFSET arithmetic far from overflow
NO_LIMIT = LARGEST  # `limit=-1`: as many as allowed (the use case clamps it)


def parse_pagination(raw: Any, default_page_size: int) -> tuple[Window, bool]:
    """The window and whether to count the total."""
    if not isinstance(raw, dict):
        raise InvalidInput("Invalid pagination: expected pagination[page], [pageSize], [start] or [limit]")
    for key, value in raw.items():
        if key not in KEYS:
            raise invalid_key(key, f"pagination.{key}")
        if not isinstance(value, str):
            raise InvalidInput(f"Invalid pagination[{key}]: expected a single value")
    with_count = values.boolean("pagination[withCount]", raw["withCount"]) if "withCount" in raw else True
    paged = "page" in raw or "pageSize" in raw
    offset = "start" in raw or "limit" in raw
    if paged and offset:
        raise InvalidInput("Cannot use both page & offset pagination in the same query")
    if offset:
        return OffsetWindow(
            start=_start(raw.get("start", "0")), limit=_limit(raw.get("limit"), default_page_size)
        ), with_count
    page = _positive("page", raw.get("page", "1"))
    page_size = _positive("pageSize", raw.get("pageSize", str(default_page_size)))
    return PageWindow(page=page, page_size=page_size), with_count


def _positive(name: str, raw: str) -> int:
    try:
        return values.integer(name, raw, minimum=1, maximum=LARGEST)
    except InvalidInput:
        raise InvalidInput(f"Invalid '{name}' parameter. Expected an integer > 0, received: {raw}") from None


def _start(raw: str) -> int:
    try:
        return values.integer("start", raw, minimum=0, maximum=LARGEST)
    except InvalidInput:
        raise InvalidInput(f"convertStartQueryParams expected a positive integer got {raw}") from None


def _limit(raw: str | None, default: int) -> int:
    if raw is None:
        return default
    try:
        limit = values.integer("limit", raw, minimum=-1, maximum=LARGEST)
    except InvalidInput:
        limit = 0
    if limit == -1:
        return NO_LIMIT
    if limit < 1:
        raise InvalidInput(f"convertLimitQueryParams expected a positive integer got {raw}")
    return limit
