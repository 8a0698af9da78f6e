"""asyncpg's timestamptz codec, reusing the moment it decoded last when the next value is the same.

A row's timestamp, createdAt, updatedAt and publishedAt are usually one moment, and so are the
joined_at of a group's first members: asyncpg built a new datetime for each (a timedelta and an
addition, ~6,000 instructions), which was a sixth of a `GET /api/conversations`. Decoding through
asyncpg's "tuple" format (microseconds since 2000-01-01 UTC) lets an equal value reuse the last
datetime (datetimes are immutable). Encoding keeps asyncpg's rules: a naive datetime (or a date)
is local time, datetime.max/min are ±infinity.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_INFINITY = 2**63 - 1
_NEGATIVE_INFINITY = -(2**63)


class TimestamptzCodec:
    """One connection's codec: its decoder remembers the last value it decoded."""

    __slots__ = ("_last_microseconds", "_last_moment")

    def __init__(self) -> None:
        self._last_microseconds: int | None = None
        self._last_moment: datetime = _PG_EPOCH

    def decode(self, value: tuple[int]) -> datetime:
        microseconds = value[0]
        if microseconds == self._last_microseconds:
            return self._last_moment
        if microseconds == _INFINITY:  # as asyncpg decodes ±infinity
            moment = datetime.max
        elif microseconds == _NEGATIVE_INFINITY:
            moment = datetime.min
        else:
            moment = _PG_EPOCH + timedelta(microseconds=microseconds)
        self._last_microseconds, self._last_moment = microseconds, moment
        return moment

    @staticmethod
    def encode(moment: datetime | date) -> tuple[int]:
        if not isinstance(moment, datetime):
            moment = datetime(moment.year, moment.month, moment.day).astimezone()
        if moment == datetime.max:
            return (_INFINITY,)
        if moment == datetime.min:
            return (_NEGATIVE_INFINITY,)
        return ((moment.astimezone(UTC) - _PG_EPOCH) // _MICROSECOND,)


async def use_timestamptz_codec(connection: Any) -> None:
    """Install the codec on an asyncpg connection."""
    codec = TimestamptzCodec()
    await connection.set_type_codec(
        "timestamptz", schema="pg_catalog", encoder=codec.encode, decoder=codec.decode, format="tuple"
    )
