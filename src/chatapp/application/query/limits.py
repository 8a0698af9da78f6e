"""Bounds on what one listing may ask for, so no query string can make the database work hard."""

from __future__ import annotations

from dataclasses import replace

from chatapp.application.query.filters import conditions, depth
from chatapp.application.query.listing import ListQuery, OffsetWindow, PageWindow, SortKey, Window
from chatapp.domain.errors import InvalidInput

MAX_FILTER_DEPTH = 10
MAX_FILTER_CONDITIONS = 50


def bounded(query: ListQuery, *, max_page_size: int, default_sort: tuple[SortKey, ...]) -> ListQuery:
    """The query as it will run: filter size checked, window clamped, order total (ties by id).

    Raises InvalidInput for a filter nested deeper than MAX_FILTER_DEPTH or with more than
    MAX_FILTER_CONDITIONS conditions, and for a window that is not positive.
    """
    if depth(query.filter) > MAX_FILTER_DEPTH:
        raise InvalidInput(f"filters may be nested at most {MAX_FILTER_DEPTH} levels deep")
    if conditions(query.filter) > MAX_FILTER_CONDITIONS:
        raise InvalidInput(f"filters may hold at most {MAX_FILTER_CONDITIONS} conditions")
    window = bounded_window(query.window, max_page_size=max_page_size)
    return replace(query, window=window, sort=with_tiebreak(query.sort or default_sort))


def bounded_window(window: Window, *, max_page_size: int) -> Window:
    """The window clamped to max_page_size rows; InvalidInput unless it is positive."""
    match window:
        case PageWindow(page, size):
            if page < 1 or size < 1:
                raise InvalidInput("pagination page and pageSize must be positive integers")
            return replace(window, page_size=min(size, max_page_size))
        case OffsetWindow(start, limit):
            if start < 0 or limit < 1:
                raise InvalidInput("pagination start must be >= 0 and limit positive")
            return replace(window, limit=min(limit, max_page_size))


def with_tiebreak(sort: tuple[SortKey, ...]) -> tuple[SortKey, ...]:
    """Rows that tie on every key are ordered by id, in the direction of the last key."""
    if any(key.field == "id" for key in sort):
        return sort
    return (*sort, SortKey("id", descending=sort[-1].descending if sort else False))
