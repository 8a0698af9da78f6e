"""What one process lets clients hold open, and for how long; read once per process from the settings."""

from __future__ import annotations

import functools
import resource
from collections import Counter
from dataclasses import dataclass
from typing import Any

from chatapp.entrypoints.settings import Settings, load_settings

MAX_HEAD_BYTES = 64 * 1024  # request line + headers; larger heads get 431
MAX_PIPELINED_REQUESTS = 32  # requests queued behind the one being answered on one connection
SPARE_FILES = 64  # descriptors kept for the listener, logs, the message log's connections, ...


@dataclass(frozen=True, slots=True)
class ServerLimits:
    request_timeout: float
    max_connections: int
    max_connections_per_address: int

    @classmethod
    def of(cls, settings: Settings) -> ServerLimits:
        """MAX_CONNECTIONS, lowered to what the open-file limit leaves after the database pool."""
        open_files, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        spare = settings.database_pool_size + SPARE_FILES
        return cls(
            request_timeout=settings.http_request_timeout,
            max_connections=max(1, min(settings.max_connections, open_files - spare)),
            max_connections_per_address=settings.max_connections_per_address,
        )


@functools.cache
def server_limits() -> ServerLimits:
    return ServerLimits.of(load_settings())


class ConnectionSlots:
    """Open TCP connections of this process, by client address, from accept to close (HTTP or WebSocket)."""

    def __init__(self) -> None:
        self._address_of: dict[Any, str] = {}  # transport -> client address
        self._per_address: Counter[str] = Counter()

    def take(self, transport: Any, address: str, limits: ServerLimits) -> str | None:
        """Hold a slot for `transport`; or the reason there is none (the caller refuses the connection)."""
        if len(self._address_of) >= limits.max_connections:
            return "The server has too many open connections: try again later"
        if self._per_address[address] >= limits.max_connections_per_address:
            return "Too many open connections from your address"
        self._address_of[transport] = address
        self._per_address[address] += 1
        return None

    def release(self, transport: Any) -> None:
        """Idempotent: the HTTP protocol or the WebSocket protocol it upgraded to may call it."""
        address = self._address_of.pop(transport, None)
        if address is not None:
            self._per_address[address] -= 1
            if not self._per_address[address]:
                del self._per_address[address]


SLOTS = ConnectionSlots()
