"""The AsyncAPI 3 document of both WebSocket protocols, built from the frame registry in frames.py.

Schemas come from msgspec, from the very Structs the server decodes and encodes, so the document
cannot say anything the server does not do. Operations are written from the server's side, as
AsyncAPI wants: it `receive`s client frames and `send`s server frames.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import msgspec

from chatapp.entrypoints.ws.frames import CLIENT_FRAMES, SERVER_FRAMES, WELCOME, TextFrame

SCHEMAS = "#/components/schemas/{name}"
ASYNCAPI_VERSION = "3.0.0"
TEXT_REPLY = "TextReply"


def frame_name(frame: type[msgspec.Struct]) -> str:
    """The component name of a frame: its class name (two frames may share an `action`, never a class)."""
    return frame.__name__


def frame_action(frame: type[msgspec.Struct]) -> str:
    tag = frame.__struct_config__.tag
    assert isinstance(tag, str), f"{frame_name(frame)} has no action tag"
    return tag


def asyncapi_document(*, title: str, version: str, host: str) -> dict[str, Any]:
    """The whole document; `host` is where the reader reached us (AsyncAPI servers need one)."""
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": f"{title} WebSocket API",
            "version": version,
            "description": (
                "`/ws`: JSON action frames (the seed app's protocol). Authenticate with `?token=<jwt>`, "
                "an `Authorization: Bearer` header, or a `connect` frame. A message is acknowledged "
                "only after it is stored. `/`: the seed README's text protocol."
            ),
        },
        "servers": {"chatapp": {"host": host, "protocol": "ws"}},
        **_protocol(),
    }


@cache
def _protocol() -> dict[str, Any]:
    frames: tuple[type[msgspec.Struct], ...] = (*CLIENT_FRAMES, *SERVER_FRAMES, TextFrame)
    _, schemas = msgspec.json.schema_components(frames, ref_template=SCHEMAS)
    schemas[TEXT_REPLY] = {
        "type": "string",
        "description": "Plain text: the welcome, `Server received: <content>`, or `Error: <code>: <message>`.",
        "examples": [WELCOME, "Server received: hi", "Error: rate_limited: Too many messages"],
    }
    messages = {frame_name(frame): _message(frame) for frame in frames}
    messages[TEXT_REPLY] = {"name": TEXT_REPLY, "payload": {"$ref": SCHEMAS.format(name=TEXT_REPLY)}}
    actions = _channel("/ws", "JSON action frames", (*CLIENT_FRAMES, *SERVER_FRAMES))
    text = _channel("/", "The seed README's text protocol", (TextFrame,), extra=(TEXT_REPLY,))
    return {
        "channels": {"actions": actions, "text": text},
        "operations": {
            "receiveActions": _operation("receive", "actions", CLIENT_FRAMES),
            "sendActions": _operation("send", "actions", SERVER_FRAMES),
            "receiveText": _operation("receive", "text", (TextFrame,)),
            "sendText": {
                "action": "send",
                "channel": {"$ref": "#/channels/text"},
                "messages": [{"$ref": f"#/channels/text/messages/{TEXT_REPLY}"}],
            },
        },
        "components": {"schemas": schemas, "messages": messages},
    }


def _message(frame: type[msgspec.Struct]) -> dict[str, Any]:
    message: dict[str, Any] = {"name": frame_name(frame), "payload": {"$ref": SCHEMAS.format(name=frame_name(frame))}}
    if frame.__struct_config__.tag is not None:
        message["title"] = f"action: {frame_action(frame)}"
    if frame.__doc__ and not frame.__doc__.startswith(f"{frame.__name__}("):  # msgspec's generated signature
        message["summary"] = frame.__doc__.strip().splitlines()[0]
    return message


def _channel(
    address: str, description: str, frames: tuple[type[msgspec.Struct], ...], extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    names = [*(frame_name(frame) for frame in frames), *extra]
    return {
        "address": address,
        "description": description,
        "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in names},
    }


def _operation(action: str, channel: str, frames: tuple[type[msgspec.Struct], ...]) -> dict[str, Any]:
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{channel}"},
        "messages": [{"$ref": f"#/channels/{channel}/messages/{frame_name(frame)}"} for frame in frames],
    }
