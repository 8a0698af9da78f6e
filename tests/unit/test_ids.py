"""Integer ids as clients send them: only what fits a BIGINT, written in ASCII digits."""

from __future__ import annotations

import pytest

from chatapp.domain.rules import MAX_ID, parse_id


@pytest.mark.parametrize(("value", "expected"), [(5, 5), ("5", 5), ("0042", 42), (MAX_ID, MAX_ID), (str(MAX_ID), MAX_ID)])
def test_ids_within_bigint_are_read(value: int | str, expected: int) -> None:
    assert parse_id(value) == expected


@pytest.mark.parametrize(
    "value",
    [0, -1, MAX_ID + 1, 10**30, True, "", "-5", "5.0", " 5", "５", "٥", "9" * 5000, str(MAX_ID + 1)],
    ids=["zero", "negative", "2**63", "10**30", "bool", "empty", "minus", "decimal", "space", "fullwidth",
         "arabic-indic", "5000-digits", "string-2**63"],
)
def test_anything_else_is_no_id(value: int | str) -> None:
    assert parse_id(value) is None
