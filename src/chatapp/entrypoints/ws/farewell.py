"""The end of a signed-in connection: its disconnect row, stored once, within a bounded grace."""

from __future__ import annotations

import logging

import anyio

from chatapp.application.record_disconnect import RecordDisconnect
from chatapp.domain.errors import StorageRejected, StorageUnavailable
from chatapp.domain.user import User
from chatapp.entrypoints.server.shutdown import SHUTDOWN

logger = logging.getLogger("chatapp.ws")

# Storing the disconnect row may outlive the connection (shutdown, cancellation), but not by much.
DISCONNECT_GRACE_SECONDS = 5.0
DISCONNECT_RETRY_SECONDS = 0.25


def grace() -> float:
    """How long ending a connection may take: DISCONNECT_GRACE_SECONDS, or what is left of a shutdown."""
    left = SHUTDOWN.remaining()
    return DISCONNECT_GRACE_SECONDS if left is None else min(DISCONNECT_GRACE_SECONDS, left)


async def store_disconnect(record_disconnect: RecordDisconnect, user: User, key: str) -> bool:
    """Store the row, retrying while the database is unavailable, until `grace()` runs out.

    `key` is the connection's idempotency key: a retry after a lost COMMIT reply finds its row.
    A server shutting down may cancel the calling task: the scope is shielded against cancel scopes
    (which re-cancel every await); asyncio's one-shot task.cancel() has already fired, and
    drain_websockets keeps the loop and the container alive until this finishes.
    """
    with anyio.move_on_after(grace(), shield=True):
        while True:
            try:
                await record_disconnect(user, key)
                return True
            except StorageUnavailable:
                logger.warning("disconnect of user_id=%d not stored yet: database unavailable", user.id)
                await anyio.sleep(DISCONNECT_RETRY_SECONDS)
            except StorageRejected:  # the user was deleted meanwhile: there is no one to record it for
                logger.warning("disconnect of user_id=%d not stored: the database refused it", user.id)
                return False
            except Exception:
                logger.exception("disconnect of user_id=%d not stored", user.id)
                return False
    return False
