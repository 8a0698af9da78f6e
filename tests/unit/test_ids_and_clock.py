from __future__ import annotations

import os
import re
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

from chatapp.adapters.system import RandomIdGenerator, SystemClock, base36

STRAPI_DOCUMENT_ID = re.compile(r"^[a-z0-9]{24}$")


def test_document_ids_are_24_lowercase_alphanumerics_with_a_uniform_random_part() -> None:
    generator = RandomIdGenerator()
    ids = [generator.document_id() for _ in range(2000)]
    assert all(STRAPI_DOCUMENT_ID.match(i) for i in ids)
    assert len(set(ids)) == len(ids)
    counts = Counter("".join(i[9:] for i in ids))
    assert len(counts) == 36
    # 30,000 draws over 36 characters: about 833 each; a biased mapping would show far more spread.
    assert max(counts.values()) < 1.3 * min(counts.values())


def test_document_ids_start_with_the_current_millisecond_so_new_ids_sort_last() -> None:
    before_ms = time.time_ns() // 1_000_000
    document_id = RandomIdGenerator().document_id()
    after_ms = time.time_ns() // 1_000_000

    assert before_ms <= int(document_id[:9], 36) <= after_ms


def test_base36_of_equal_width_sorts_as_the_numbers_do() -> None:
    numbers = [0, 9, 10, 35, 36, 1295, 1296, 1_764_000_000_000, 1_764_000_000_001, 36**9 - 1]
    encoded = [base36(n, 9) for n in numbers]
    assert encoded == sorted(encoded)
    assert [int(e, 36) for e in encoded] == numbers


def test_reset_codes_are_long_and_unique() -> None:
    codes = {RandomIdGenerator().secret_code() for _ in range(100)}
    assert len(codes) == 100 and all(len(c) == 64 for c in codes)


def test_the_clock_is_utc_with_millisecond_precision() -> None:
    clock = SystemClock()
    before = datetime.now(UTC)
    now = clock.now()
    after = datetime.now(UTC)
    assert now.tzinfo is UTC and now.microsecond % 1000 == 0
    assert before - timedelta(milliseconds=1) < now <= after
    later = clock.now()
    assert later >= now and later.microsecond % 1000 == 0


def test_a_forked_child_does_not_repeat_the_ids_its_parent_will_draw() -> None:
    generator = RandomIdGenerator()
    generator.document_id()  # the parent now holds random characters drawn ahead
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.write(write_end, generator.document_id()[9:].encode())
        os._exit(0)
    os.waitpid(child, 0)
    drawn_by_child = os.read(read_end, 64).decode()
    os.close(read_end)
    os.close(write_end)

    assert len(drawn_by_child) == 15
    assert drawn_by_child != generator.document_id()[9:]
