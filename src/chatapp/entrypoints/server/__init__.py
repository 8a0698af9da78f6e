"""uvicorn's protocols, bounded: what a client may cost the server before its request reaches the app."""
