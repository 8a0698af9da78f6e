"""Helpers for the conversations API tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar import Litestar
from litestar.testing import TestClient

from chatapp.adapters.system import SystemClock
from chatapp.application.ports.persistence import MessageLog
from chatapp.domain.chat_message import NewChatMessage
from chatapp.domain.user import User
from tests.adapters.factories import T0, ids
from tests.api.conftest import Account


def start(
    client: TestClient[Litestar], caller: Account, kind: str, members: list[Any], title: str | None = None
) -> Any:
    data: dict[str, Any] = {"kind": kind, "members": members}
    if title is not None:
        data["title"] = title
    return client.post("/api/conversations", json={"data": data}, headers=caller.headers)


def new_group(
    client: TestClient[Litestar], owner: Account, *members: Account, title: str = "team"
) -> dict[str, Any]:
    response = start(client, owner, "group", [m.user["id"] for m in members], title)
    assert response.status_code == 201, response.text
    return dict(response.json()["data"])


def say(
    client: TestClient[Litestar],
    author: Account,
    conversation: dict[str, Any],
    content: str = "hi",
    at: datetime | None = None,
) -> None:
    """Store a conversation message through the app's own message log (as a send would), stamped
    `at` (now by default)."""
    user = User(
        id=author.user["id"],
        document_id=author.user["documentId"],
        username=author.user["username"],
        email=author.user["email"],
        password_hash="",
        created_at=T0,
        updated_at=T0,
    )
    draft = NewChatMessage.by(
        user,
        content,
        document_id=ids.document_id(),
        timestamp=at or SystemClock().now(),
        conversation_id=conversation["id"],
        conversation_document_id=conversation["documentId"],
    )

    async def run() -> None:
        await (await client.app.state.dishka_container.get(MessageLog)).append(draft)

    client.blocking_portal.call(run)
