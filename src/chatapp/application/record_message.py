from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from chatapp.application.policy import Policy
from chatapp.application.ports.conversations import ConversationDirectory
from chatapp.application.ports.events import EventPublisher
from chatapp.application.ports.persistence import MessageLog
from chatapp.application.ports.system import Clock, IdGenerator
from chatapp.domain.chat_message import ChatMessage, NewChatMessage
from chatapp.domain.errors import Forbidden, NotFound
from chatapp.domain.events import MessagePosted
from chatapp.domain.record import record
from chatapp.domain.rules import check_client_id, check_message_content
from chatapp.domain.user import User


@record  # built for every chat message: see domain/record.py
class RecordMessageCommand:
    author: User
    content: str
    client_id: str | None = None
    # The user(s) the client named, by id or documentId: each must be the author.
    on_behalf_of: int | str | Sequence[int | str] | None = None
    conversation: str | None = None  # a documentId; None is the author's personal stream
    origin: object | None = None  # the connection whose frame this is (see domain.events)


class Recorded(NamedTuple):
    message: ChatMessage
    is_new: bool  # False: the clientId was stored before, and `message` is that original row


def names_author(claimed: int | str, author: User) -> bool:
    """A claimed user matches by integer id (also as a numeric string) or by documentId."""
    return str(claimed) in (str(author.id), author.document_id)


class RecordMessage:
    """Store one chat message from an authenticated author; the only place that decides validity.

    - content: 1..Policy.message_max_chars characters after trimming, no NUL, stored exactly as sent;
    - a client naming any other user than the author is Forbidden and nothing is stored;
    - a conversation message needs its author to be a member (NotFound otherwise: existence
      does not leak) and gets the conversation's next seq;
    - the timestamp is the server's clock, never the client's;
    - the same client_id from the same author returns the original row (idempotent retry);
    - returns only after the row is committed (StorageUnavailable or StorageRejected otherwise); a new
      row is then published to the conversation's members (personal messages: to the author's other
      connections).
    """

    def __init__(
        self,
        log: MessageLog,
        ids: IdGenerator,
        clock: Clock,
        policy: Policy,
        directory: ConversationDirectory,
        events: EventPublisher,
    ) -> None:
        self._log = log
        self._ids = ids
        self._clock = clock
        self._max_chars = policy.message_max_chars
        self._directory = directory
        self._events = events

    async def __call__(self, command: RecordMessageCommand) -> Recorded:
        author = command.author
        claims = command.on_behalf_of
        if claims is not None:
            named = (claims,) if isinstance(claims, (int, str)) else claims
            if not all(names_author(claimed, author) for claimed in named):
                raise Forbidden("You may only send messages as yourself")
        content = check_message_content(command.content, self._max_chars)
        client_id = command.client_id
        if client_id is not None:
            check_client_id(client_id)
        recipients: frozenset[int] | None = None  # the author's personal stream
        conversation_id: int | None = None
        if command.conversation is not None:
            membership = await self._directory.membership_of(command.conversation, author.id)
            if membership is None:
                raise NotFound("Conversation not found")
            conversation_id, recipients = membership.conversation_id, membership.member_ids
        draft = NewChatMessage.by(
            author,
            content,
            document_id=self._ids.document_id(),
            timestamp=self._clock.now(),
            client_id=client_id,
            conversation_id=conversation_id,
            conversation_document_id=command.conversation if conversation_id is not None else None,
            recipients=recipients or frozenset(),
        )
        message = await self._log.append(draft)
        is_new = message.document_id == draft.document_id
        if is_new:
            if recipients is not None:
                self._events.publish(MessagePosted(message=message, recipients=recipients, origin=command.origin))
            elif self._events.listens(author.id, command.origin):
                self._events.publish(
                    MessagePosted(message=message, recipients=frozenset((author.id,)), origin=command.origin)
                )
        return Recorded(message, is_new)
