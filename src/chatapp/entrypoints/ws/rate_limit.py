from __future__ import annotations

from time import monotonic


class TokenBucket:
    """`rate` frames per second on average, up to `burst` at once; one bucket per connection."""

    __slots__ = ("_burst", "_rate", "_stamp", "_tokens")

    def __init__(self, rate: float, burst: int) -> None:
        self._rate = rate
        self._burst = float(max(burst, 1))
        self._tokens = self._burst
        self._stamp = monotonic()

    def take(self) -> bool:
        now = monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True
