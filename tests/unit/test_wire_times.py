"""Every moment on the wire is ISO-8601 UTC with milliseconds and `Z`, truncated as isoformat does."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

from chatapp.entrypoints.wire import iso


def _isoformat(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_a_moment_is_written_with_milliseconds_and_z() -> None:
    moment = datetime(2026, 12, 1, 17, 5, 3, 123999, tzinfo=UTC)
    assert iso(moment) == "2026-12-01T17:05:03.123Z"
    assert iso(moment.replace(microsecond=0)) == "2026-12-01T17:05:03.000Z"
    assert iso(moment.replace(microsecond=120000)) == "2026-12-01T17:05:03.120Z"
    assert iso(None) is None


def test_a_moment_in_another_zone_is_written_in_utc() -> None:
    paris = timezone(timedelta(hours=1))
    assert iso(datetime(2026, 1, 1, 0, 30, tzinfo=paris)) == "2025-12-31T23:30:00.000Z"


def test_any_moment_reads_as_isoformat_writes_it() -> None:
    chooser = random.Random(16)
    start = datetime(1970, 1, 1, tzinfo=UTC)
    for _ in range(20_000):
        moment = start + timedelta(microseconds=chooser.randrange(0, 200 * 365 * 86_400 * 10**6))
        if chooser.random() < 0.3:
            moment = moment.replace(microsecond=chooser.choice((0, 1000, 999_999)))
        if chooser.random() < 0.2:
            moment = moment.astimezone(timezone(timedelta(minutes=chooser.randrange(-720, 721, 15))))
        assert iso(moment) == _isoformat(moment)
