"""The ASGI extension through which `chatapp serve` lets the app write a WebSocket frame synchronously.

uvicorn's `send` never suspends while the socket is writable and the peer's read window is open,
yet each frame still costs a chain of coroutines (Litestar's wrappers, the server's send) and, for
frames from elsewhere, a wake-up of the connection's writer task. A live message to 100 members
paid that 100 times. Under our WebSocket protocol (websocket_protocol.py) the scope's
`extensions` hold `{WRITE_NOW: {"write": write}}`: `write(text)` writes a text frame at once and
returns True, or returns False, having done nothing, when the frame would have to wait or cannot
go (not writable, read window closed, a send in flight, closing or closed); the app then sends it
the ordinary way, which waits or says why. Connections without permessage-deflate that are
handed the same string (a live message's members) share its frame's bytes, serialised once.
`write_many(texts)` does the same for a run of frames (a resume's page) in as few transport
writes as flow control allows, and returns how many of them, from the first, it wrote: the rest
wait for the ordinary way. Other servers (Litestar's TestClient, uvicorn's own protocols) offer
nothing, and every frame takes the ordinary way.
"""

from __future__ import annotations

WRITE_NOW = "chatapp.websocket.write_now"
