"""uvicorn, run so that the caller learns when the port really accepts connections."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from chatapp.entrypoints.server.worker_health import watch_worker_deaths


class _AnnouncingServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, on_listening: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_listening = on_listening

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:  # the app started and the listening socket is bound
            self._on_listening()


def run_uvicorn(app: str, *, on_listening: Callable[[], None], **options: Any) -> bool:
    """`uvicorn.run(app, **options)`, calling `on_listening` once the port is bound; False if startup failed.

    One process: once the app has started and its socket is bound. Several workers: once the
    supervisor has bound the shared socket (connections wait in its backlog while workers start).
    """
    config = uvicorn.Config(app, **options)
    if config.workers > 1:
        shared = config.bind_socket()
        on_listening()
        watch_worker_deaths()
        Multiprocess(config, sockets=[shared]).run()
        return True
    server = _AnnouncingServer(config, on_listening)
    server.run()
    return server.started
