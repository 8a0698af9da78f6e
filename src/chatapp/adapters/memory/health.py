from __future__ import annotations

from chatapp.adapters.memory.database import InMemoryDatabase
from chatapp.application.ports.system import HealthProbe


class InMemoryHealthProbe(HealthProbe):
    def __init__(self, db: InMemoryDatabase) -> None:
        self._db = db

    async def database_ok(self) -> bool:
        return self._db.available
