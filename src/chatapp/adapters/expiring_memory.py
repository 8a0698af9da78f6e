"""What a directory read lately, kept for a moment: the memory of RecentMemberships and RecentUsers."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ExpiringMemory(Generic[K, V]):
    """Values remembered for `ttl` seconds, at most `capacity` of them, the oldest forgotten first.
    `on_evict` hears of each value forgotten to make room or for its age (not of those `forget` drops)."""

    def __init__(
        self,
        ttl: float,
        clock: Callable[[], float],
        capacity: int,
        on_evict: Callable[[V], object] | None = None,
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._capacity = capacity
        self._on_evict = on_evict
        self._remembered: dict[K, tuple[float, V]] = {}  # key -> (until, value), oldest first

    def get(self, key: K) -> V | None:
        """The value, if remembered and not yet expired."""
        remembered = self._remembered.get(key)
        if remembered is None or self._clock() >= remembered[0]:
            return None
        return remembered[1]

    def remember(self, key: K, value: V) -> None:
        remembered, now = self._remembered, self._clock()
        remembered.pop(key, None)
        # Re-inserted last, the dict stays in the order of remembering, which is the order of expiry:
        # the expired ones (and, past the capacity, the oldest) are at its head.
        while remembered:
            oldest = next(iter(remembered))
            until, old = remembered[oldest]
            if until > now and len(remembered) < self._capacity:
                break
            del remembered[oldest]
            if self._on_evict is not None:
                self._on_evict(old)
        remembered[key] = (now + self._ttl, value)

    def forget(self, key: K) -> None:
        self._remembered.pop(key, None)

    def __len__(self) -> int:
        return len(self._remembered)
