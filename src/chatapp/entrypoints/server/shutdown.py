"""When the server began shutting down, so that ending connections can share what is left of it.

uvicorn calls each open connection's `shutdown()` once it stops accepting; from then on it waits
GRACEFUL_SHUTDOWN_SECONDS (cli.py) before cancelling handlers, then runs the app's shutdown hooks.
Work that ends a connection (storing its disconnect row) must fit in ENDING_BUDGET_SECONDS of that,
however long the database takes to answer.
"""

from __future__ import annotations

from time import monotonic

ENDING_BUDGET_SECONDS = 6.0


class ShutdownClock:
    def __init__(self) -> None:
        self._began: float | None = None

    def start(self) -> None:
        if self._began is None:
            self._began = monotonic()

    def remaining(self) -> float | None:
        """Seconds left for ending connections; None while the server is not shutting down."""
        if self._began is None:
            return None
        return max(0.0, self._began + ENDING_BUDGET_SECONDS - monotonic())


SHUTDOWN = ShutdownClock()
