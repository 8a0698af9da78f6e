"""The frame registry in frames.py is the `/ws` protocol: every frame class is in it, the decoder reads it."""

from __future__ import annotations

from typing import get_args

from chatapp.entrypoints.ws.frames import (
    CLIENT_FRAMES,
    SERVER_FRAMES,
    ClientFrame,
    ServerFrame,
    client_frames,
)


def all_subclasses(base: type) -> set[type]:
    found = set()
    for sub in base.__subclasses__():
        found |= {sub, *all_subclasses(sub)}
    return found


def test_every_frame_class_is_registered() -> None:
    assert all_subclasses(ClientFrame) == set(CLIENT_FRAMES)
    assert all_subclasses(ServerFrame) == set(SERVER_FRAMES)


def test_the_server_decodes_exactly_the_registered_client_frames() -> None:
    assert set(get_args(client_frames.type)) == set(CLIENT_FRAMES)

