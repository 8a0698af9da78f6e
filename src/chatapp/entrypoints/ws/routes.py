"""WebSocket entrypoints (filled in by the gateway work)."""

WS_ROUTES: list[object] = []
