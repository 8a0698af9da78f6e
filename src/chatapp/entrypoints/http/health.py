from __future__ import annotations

from dishka.integrations.litestar import FromDishka, inject
from litestar import Response, get

from chatapp.application.check_health import CheckHealth
from chatapp.entrypoints.http.schemas import HealthOut


@get("/_health", tags=["operations"])
@inject
async def health(check: FromDishka[CheckHealth]) -> Response[HealthOut]:
    """200 when the database answers, 503 otherwise (for load balancers and orchestrators)."""
    if await check():
        return Response(HealthOut(status="ok", database="ok"))
    return Response(HealthOut(status="unavailable", database="unreachable"), status_code=503)
