from __future__ import annotations

import re
from collections import Counter
from datetime import UTC

from chatapp.adapters.system import RandomIdGenerator, SystemClock

STRAPI_DOCUMENT_ID = re.compile(r"^[a-z0-9]{24}$")


def test_document_ids_are_24_lowercase_alphanumerics_drawn_from_all_36() -> None:
    ids = [RandomIdGenerator().document_id() for _ in range(2000)]
    assert all(STRAPI_DOCUMENT_ID.match(i) for i in ids)
    assert len(set(ids)) == len(ids)
    counts = Counter("".join(ids))
    assert len(counts) == 36
    # 48,000 draws over 36 characters: about 1,333 each; a biased mapping would show far more spread.
    assert max(counts.values()) < 1.25 * min(counts.values())


def test_reset_codes_are_long_and_unique() -> None:
    codes = {RandomIdGenerator().secret_code() for _ in range(100)}
    assert len(codes) == 100 and all(len(c) == 64 for c in codes)


def test_the_clock_is_utc_with_millisecond_precision() -> None:
    now = SystemClock().now()
    assert now.tzinfo is UTC and now.microsecond % 1000 == 0
