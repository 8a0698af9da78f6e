from __future__ import annotations

from chatapp.application.ports.system import HealthProbe


class CheckHealth:
    """Whether the service can do its job right now: the database must answer."""

    def __init__(self, probe: HealthProbe) -> None:
        self._probe = probe

    async def __call__(self) -> bool:
        return await self._probe.database_ok()
