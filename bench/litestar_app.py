"""The REST ceiling: bare Litestar JSON routes, served by uvicorn exactly as chatapp is (bench/run.py).

`GET /json` answers a small constant msgspec Struct; `POST /json` decodes a Strapi-style body
`{"data": {"message": …}}` into a Struct and answers it with 201, as `POST /api/chat-sessions`
would without a token, a database or a use case. `GET /_health` is the readiness probe. No
middleware, no dependency injection, no database: what Litestar and the ASGI server allow on this
machine for one JSON request, the figure issue #16's target 6 divides by.

    uvicorn bench.litestar_app:app
"""

from __future__ import annotations

import msgspec
from litestar import Litestar, get, post


class Item(msgspec.Struct):
    id: int
    message: str


class Envelope(msgspec.Struct):
    data: Item
    meta: dict[str, int]


class NewItem(msgspec.Struct):
    message: str


class NewItemBody(msgspec.Struct):
    data: NewItem


ANSWER = Envelope(data=Item(id=1, message="a benchmark message of fifty characters, roughly!"), meta={})


@get("/json")
async def read() -> Envelope:
    return ANSWER


@post("/json", status_code=201)
async def create(data: NewItemBody) -> Envelope:
    return Envelope(data=Item(id=1, message=data.data.message), meta={})


@get("/_health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar([read, create, health], openapi_config=None)
