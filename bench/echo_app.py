"""The ceiling: a raw ASGI app that speaks just enough of chatapp's `/ws` shape to be driven
by the same load generator — a welcome frame on accept, then every text frame echoed back.

It does nothing a chat server must do (no auth, no JSON, no database), so its messages/s
is what the ASGI server and this machine allow. `GET /_health` answers 200 for the readiness
probe. Run it exactly like chatapp, e.g. `uvicorn bench.echo_app:app --ws auto`.
"""

from __future__ import annotations

WELCOME = '{"action":"welcome","content":"echo","userId":0}'


async def app(scope, receive, send) -> None:
    if scope["type"] == "websocket":
        await _echo(receive, send)
    elif scope["type"] == "http":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"status":"ok"}'})
    elif scope["type"] == "lifespan":
        await receive()  # lifespan.startup
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        await send({"type": "lifespan.shutdown.complete"})


async def _echo(receive, send) -> None:
    if (await receive())["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.send", "text": WELCOME})
    while (event := await receive())["type"] == "websocket.receive":
        if event.get("text") is not None:
            await send({"type": "websocket.send", "text": event["text"]})
