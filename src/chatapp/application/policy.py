from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from chatapp.domain.rules import MESSAGE_MAX_CHARS


@dataclass(slots=True, kw_only=True, frozen=True)
class Policy:
    """The tunable business limits, filled from settings at the edge."""

    message_max_chars: int = MESSAGE_MAX_CHARS
    reset_code_ttl: timedelta = timedelta(hours=1)
    max_page_size: int = 100
