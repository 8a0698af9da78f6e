"""A listing's `meta.pagination`, in the style the client asked for (Strapi's two shapes)."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET

from chatapp.application.query.listing import Listing, OffsetWindow, PageWindow
from chatapp.entrypoints.http.schemas import ListMeta, Pagination


def pagination_meta(listing: Listing[Any]) -> ListMeta:
    total = UNSET if listing.total is None else listing.total
    match listing.window:
        case OffsetWindow(start, limit):
            return ListMeta(pagination=Pagination(start=start, limit=limit, total=total))
        case PageWindow(page, page_size):
            page_count = UNSET if listing.page_count is None else listing.page_count
            return ListMeta(
                pagination=Pagination(page=page, page_size=page_size, page_count=page_count, total=total)
            )
