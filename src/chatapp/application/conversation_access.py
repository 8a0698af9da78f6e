"""What every conversation use case checks first: who the caller may see, and whom a body names."""

from __future__ import annotations

from collections.abc import Sequence

from chatapp.application.ports.persistence import ReadOnlyUnitOfWork
from chatapp.domain.conversation import Conversation, ConversationKind, MemberRole
from chatapp.domain.errors import Forbidden, InvalidInput, NotFound
from chatapp.domain.user import User

UserReference = int | str
"""A user named in a body: the integer id, or the documentId (a numeric string is tried as an id too)."""
MAX_NAMED_USERS = 100  # users one request may name (each is looked up)
MAX_ID = 2**63 - 1  # ids are BIGINTs: a larger number names nobody


async def conversation_of_member(uow: ReadOnlyUnitOfWork, document_id: str, user_id: int) -> Conversation:
    """The conversation, if `user_id` is a member; NotFound otherwise, so existence does not leak."""
    conversation = await uow.conversations.get(document_id)
    if conversation is None or conversation.member(user_id) is None:
        raise NotFound()
    return conversation


async def require_message_theirs_to_change(uow: ReadOnlyUnitOfWork, document_id: str, author_id: int) -> None:
    """NotFound unless the author's message is still theirs to edit or delete: in their personal
    stream, or in a conversation they are a member of. A member who left or was removed no longer
    changes what the others read (their own listing still shows it)."""
    message = await uow.messages.get(document_id, author_id)
    if message is None:
        raise NotFound()
    if message.conversation_document_id is not None:
        await conversation_of_member(uow, message.conversation_document_id, author_id)


def require_owned_group(conversation: Conversation, user_id: int) -> None:
    """Groups are changed by their owners only; a DM has nothing to change."""
    if conversation.kind is ConversationKind.DIRECT:
        raise InvalidInput("A direct conversation's title and members cannot change")
    member = conversation.member(user_id)
    if member is None or member.role is not MemberRole.OWNER:
        raise Forbidden("Only the conversation's owner may do this")


async def find_user(uow: ReadOnlyUnitOfWork, reference: UserReference) -> User | None:
    if isinstance(reference, bool):
        return None
    if isinstance(reference, int):
        return await uow.users.get(reference) if 0 < reference <= MAX_ID else None
    found = await uow.users.find_by_document_id(reference)
    if found is None and reference.isascii() and reference.isdigit() and 0 < int(reference) <= MAX_ID:
        found = await uow.users.get(int(reference))
    return found


async def other_users(uow: ReadOnlyUnitOfWork, references: Sequence[object], caller: User) -> list[User]:
    """The distinct users named, without the caller; every one must exist and not be blocked."""
    if len(references) > MAX_NAMED_USERS:
        raise InvalidInput(f"Name at most {MAX_NAMED_USERS} users at a time")
    users: dict[int, User] = {}
    for reference in references:
        if not isinstance(reference, (int, str)):
            raise InvalidInput("A user is named by its id or documentId")
        user = await find_user(uow, reference)
        if user is None or user.blocked:
            raise InvalidInput(f"Unknown user {reference!r}")
        if user.id != caller.id:
            users.setdefault(user.id, user)
    return list(users.values())

