from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chatapp.application.policy import Policy
from chatapp.application.ports.persistence import MessageLog
from chatapp.application.ports.system import Clock, IdGenerator
from chatapp.domain.chat_message import ChatMessage, NewChatMessage
from chatapp.domain.errors import Forbidden
from chatapp.domain.rules import check_client_id, check_message_content
from chatapp.domain.user import User


@dataclass(slots=True, kw_only=True, frozen=True)
class RecordMessageCommand:
    author: User
    content: str
    client_id: str | None = None
    # The user(s) the client named, by id or documentId: each must be the author.
    on_behalf_of: int | str | Sequence[int | str] | None = None


def names_author(claimed: int | str, author: User) -> bool:
    """A claimed user matches by integer id (also as a numeric string) or by documentId."""
    return str(claimed) in (str(author.id), author.document_id)


class RecordMessage:
    """Store one chat message from an authenticated author; the only place that decides validity.

    - content: 1..Policy.message_max_chars characters after trimming, no NUL, stored exactly as sent;
    - a client naming any other user than the author is Forbidden and nothing is stored;
    - the timestamp is the server's clock, never the client's;
    - the same client_id from the same author returns the original row (idempotent retry);
    - returns only after the row is committed (StorageUnavailable otherwise).
    """

    def __init__(self, log: MessageLog, ids: IdGenerator, clock: Clock, policy: Policy) -> None:
        self._log = log
        self._ids = ids
        self._clock = clock
        self._max_chars = policy.message_max_chars

    async def __call__(self, command: RecordMessageCommand) -> ChatMessage:
        author = command.author
        claims = command.on_behalf_of
        if claims is not None:
            named = (claims,) if isinstance(claims, (int, str)) else claims
            if not all(names_author(claimed, author) for claimed in named):
                raise Forbidden("You may only send messages as yourself")
        content = check_message_content(command.content, self._max_chars)
        client_id = check_client_id(command.client_id)
        return await self._log.append(
            NewChatMessage.by(
                author,
                content,
                document_id=self._ids.document_id(),
                timestamp=self._clock.now(),
                client_id=client_id,
            )
        )
