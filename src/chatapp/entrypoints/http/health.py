from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import get

from chatapp.application.check_health import CheckHealth
from chatapp.domain.errors import StorageUnavailable
from chatapp.entrypoints.http.schemas import HealthOut


@get("/_health", tags=["operations"])
@inject
async def health(check: FromDishka[CheckHealth]) -> HealthOut:
    """200 when the database answers; otherwise 503 in the error envelope, like every other error."""
    if not await check():
        raise StorageUnavailable()
    return HealthOut(status="ok", database="ok")
