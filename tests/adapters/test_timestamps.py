"""PostgreSQL's timestamptz values read and written through our codec exactly as asyncpg's own."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import asyncpg
import pytest
from sqlalchemy import text

from chatapp.adapters.sql.database import libpq_url, make_engine
from chatapp.adapters.sql.timestamps import TimestamptzCodec

MOMENTS = [
    datetime(2026, 12, 1, 17, 5, 3, 123456, tzinfo=UTC),
    datetime(2026, 12, 1, 17, 5, 3, 123456, tzinfo=UTC),  # the same again: the reused datetime
    datetime(2026, 12, 1, 18, 5, 3, 123456, tzinfo=timezone(timedelta(hours=1))),  # equal, other zone
    datetime(1999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
    datetime(2000, 1, 1, tzinfo=UTC),
    datetime(1, 1, 2, tzinfo=UTC),  # (asyncpg writes an aware datetime(1, 1, 1) as -infinity; we do not)
    datetime(2026, 6, 1, 12, 0),  # naive: local time, as asyncpg reads it
    date(2026, 6, 1),
    datetime.max,
    datetime.min,
]


def test_equal_values_decode_to_the_same_datetime_and_others_to_their_own() -> None:
    codec = TimestamptzCodec()
    first = codec.decode(codec.encode(MOMENTS[0]))
    assert codec.decode(codec.encode(MOMENTS[1])) is first
    assert codec.decode(codec.encode(MOMENTS[2])) is first  # the same instant
    assert codec.decode(codec.encode(MOMENTS[3])) == MOMENTS[3]
    assert codec.decode(codec.encode(datetime.max)) == datetime.max


@pytest.mark.postgres
async def test_values_round_trip_as_with_asyncpgs_own_codec(postgres_url: str) -> None:
    plain = await asyncpg.connect(libpq_url(postgres_url))
    try:
        expected = [await plain.fetchval("SELECT $1::timestamptz", moment) for moment in MOMENTS]
        texts = [await plain.fetchval("SELECT $1::timestamptz::text", moment) for moment in MOMENTS]
    finally:
        await plain.close()

    engine = make_engine(postgres_url)
    try:
        async with engine.connect() as connection:
            got = [
                (await connection.execute(text("SELECT CAST(:m AS timestamptz)"), {"m": m})).scalar()
                for m in MOMENTS
            ]
            got_texts = [
                (
                    await connection.execute(text("SELECT CAST(CAST(:m AS timestamptz) AS text)"), {"m": m})
                ).scalar()
                for m in MOMENTS
            ]
    finally:
        await engine.dispose()

    assert got == expected
    assert [type(g) for g in got] == [type(e) for e in expected]
    assert got_texts == texts
