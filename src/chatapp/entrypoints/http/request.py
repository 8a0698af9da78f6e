"""The HTTP request class: JSON bodies are depth-checked before Litestar decodes them."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ValidationException

from chatapp.entrypoints.json_depth import TooDeep, check_depth


class ChatRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        try:
            check_depth(await self.body())
        except TooDeep as error:
            raise ValidationException(detail=f"Invalid JSON body: {error}") from None
        return await super().json()
