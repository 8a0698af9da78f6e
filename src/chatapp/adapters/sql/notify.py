"""Cross-process delivery on PostgreSQL: NOTIFY issued inside the inserting transaction.

PostgreSQL delivers a notification only when its transaction commits, so a listener never hears
of a message that is not stored. Every process LISTENs on EVENTS_CHANNEL.
"""

from __future__ import annotations

from collections.abc import Callable

from chatapp.domain.events import MessagePosted

EVENTS_CHANNEL = "chatapp_events"

Notify = Callable[[list[MessagePosted]], str | None]
"""The payload announcing the conversation messages one batch stored, each with its recipients as the
storing process knew them (None: nothing to announce). Called before the insert, which it joins."""
