"""Strapi's REST query syntax for chat sessions, turned into a MessageQuery."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, cast

from chatapp.application.ports.persistence import MessageQuery, SeqRange
from chatapp.domain.chat_message import MessageKind
from chatapp.domain.errors import InvalidInput

SORTABLE = ("timestamp", "createdAt", "id", "seq")
Sortable = Literal["timestamp", "createdAt", "id", "seq"]
CONVERSATION_FILTER = "filters[conversation][documentId][$eq]"
SEQ_OPERATORS = ("$gt", "$gte", "$lt", "$lte")
KNOWN_FILTERS = {
    "filters[timestamp][$gt]",
    "filters[timestamp][$lt]",
    "filters[kind][$eq]",
    CONVERSATION_FILTER,
    *(f"filters[seq][{operator}]" for operator in SEQ_OPERATORS),
}


def parse_sort(sort: str | None) -> tuple[Sortable, bool]:
    """`field` or `field:asc|desc` (Strapi sorts ascending when no direction is given)."""
    if sort is None:
        return "timestamp", False
    field, _, direction = sort.partition(":")
    direction = direction.lower() or "asc"
    if field not in SORTABLE or direction not in ("asc", "desc"):
        raise InvalidInput(f"Invalid sort {sort!r}: use one of {', '.join(SORTABLE)} with :asc or :desc")
    return cast(Sortable, field), direction == "asc"


def parse_moment(name: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except (ValueError, OverflowError):  # OverflowError: a real date, but before year 1 or after 9999 in UTC
        raise InvalidInput(f"Invalid date in {name}: {value!r}") from None


def parse_kind(value: str | None) -> MessageKind | None:
    if value is None:
        return None
    try:
        return MessageKind(value)
    except ValueError:
        raise InvalidInput("filters[kind][$eq] must be 'message' or 'disconnect'") from None


def parse_seq_range(bounds: dict[str, str | None]) -> SeqRange:
    """`filters[seq][$gt|$gte|$lt|$lte]`: each a non-negative integer."""
    parsed: dict[str, int] = {}
    for operator, value in bounds.items():
        if value is None:
            continue
        if not (value.isascii() and value.isdigit()) or len(value) > 18:
            raise InvalidInput(f"filters[seq][{operator}] must be a non-negative integer")
        parsed[operator.removeprefix("$")] = int(value)
    return SeqRange(**parsed)


def check_filter_names(names: list[str]) -> None:
    unknown = sorted(n for n in names if n.startswith("filters") and n not in KNOWN_FILTERS)
    if unknown:
        raise InvalidInput(f"Invalid filter {unknown[0]!r}")


def build_query(
    *,
    user_id: int,
    page: int,
    page_size: int,
    sort: str | None,
    after: str | None,
    before: str | None,
    kind: str | None,
    seq: dict[str, str | None] | None = None,
) -> MessageQuery:
    order_by, ascending = parse_sort(sort)
    return MessageQuery(
        user_id=user_id,
        page=page,
        page_size=page_size,
        order_by=order_by,
        ascending=ascending,
        after=parse_moment("filters[timestamp][$gt]", after),
        before=parse_moment("filters[timestamp][$lt]", before),
        kind=parse_kind(kind),
        seq=parse_seq_range(seq or {}),
    )
