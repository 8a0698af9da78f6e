"""`@record` classes behave as the frozen dataclasses they replaced; assigning to a field is mypy's to refuse."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from mypy import api as mypy

from chatapp.domain.record import record


@record
class Point:
    x: int
    y: int = 0


def test_a_record_is_built_by_keyword_only() -> None:
    with pytest.raises(TypeError):
        Point(1)  # type: ignore[call-arg]
    assert Point(x=1) == Point(x=1, y=0)


def test_records_compare_and_hash_by_value() -> None:
    assert Point(x=1, y=2) != Point(x=1, y=3)
    assert {Point(x=1, y=2), Point(x=1, y=2)} == {Point(x=1, y=2)}


def test_the_type_checker_refuses_an_assignment_to_a_field(tmp_path: Path) -> None:
    source = tmp_path / "assigns.py"
    source.write_text(
        "from chatapp.domain.record import record\n"
        "@record\n"
        "class Point:\n"
        "    x: int\n"
        "Point(x=1).x = 2\n"
    )
    limit = sys.getrecursionlimit()
    try:
        report, _, status = mypy.run([str(source), "--no-incremental", "--cache-dir", str(tmp_path / "cache")])
    finally:
        sys.setrecursionlimit(limit)  # mypy raises it for its process: not for the tests after this one
    assert status == 1
    assert 'Property "x" defined in "Point" is read-only' in report
