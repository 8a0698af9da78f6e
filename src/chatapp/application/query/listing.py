"""A listing request (filter, order, window, selection) and the page it answers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from chatapp.application.query.filters import MATCH_ALL, Filter

T = TypeVar("T")


@dataclass(slots=True, frozen=True)
class SortKey:
    field: str
    descending: bool = False


@dataclass(slots=True, frozen=True)
class PageWindow:
    """`pagination[page]` / `pagination[pageSize]`: pages count from 1."""

    page: int = 1
    page_size: int = 25

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def limit(self) -> int:
        return self.page_size


@dataclass(slots=True, frozen=True)
class OffsetWindow:
    """`pagination[start]` / `pagination[limit]`."""

    start: int = 0
    limit: int = 25

    @property
    def offset(self) -> int:
        return self.start


Window = PageWindow | OffsetWindow


@dataclass(slots=True, frozen=True, kw_only=True)
class ListQuery:
    """What a client asked to list. The use case adds who may see what (it is never the client's
    to say), so `filter` only ever narrows the rows the caller may read anyway."""

    filter: Filter = MATCH_ALL
    sort: tuple[SortKey, ...] = ()
    window: Window = field(default_factory=PageWindow)
    with_count: bool = True
    fields: frozenset[str] | None = None  # None: every attribute


@dataclass(slots=True, frozen=True, kw_only=True)
class Slice(Generic[T]):
    """What a repository returns: the rows in the window, and how many matched (None: not counted)."""

    items: list[T]
    total: int | None


@dataclass(slots=True, frozen=True, kw_only=True)
class Listing(Generic[T]):
    items: list[T]
    total: int | None
    window: Window

    @property
    def page_count(self) -> int | None:
        if self.total is None:
            return None
        return math.ceil(self.total / self.window.limit)
