from __future__ import annotations

from time import monotonic

from chatapp.entrypoints.ws import errors

REFUSED_BURSTS = 3  # rate-limited frames a connection may send, in bursts, before it is closed


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


class FrameBudget:
    """A connection's rate limit. Refusals have a budget of their own (REFUSED_BURSTS bursts,
    refilled at a fifth of the rate): a connection that keeps sending over its limit is closed
    instead of costing a refusal per frame forever."""

    __slots__ = ("_frames", "_refusals")

    def __init__(self, rate: float, burst: int) -> None:
        self._frames = TokenBucket(rate, burst)
        self._refusals = TokenBucket(rate / 5, REFUSED_BURSTS * burst)

    def spend(self) -> errors.Refusal | None:
        """One frame's token; for a frame over the budget, the refusal that answers it."""
        if self._frames.take():
            return None
        return errors.rate_limited() if self._refusals.take() else errors.over_the_rate_limit()
