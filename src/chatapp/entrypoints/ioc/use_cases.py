from __future__ import annotations

from dishka import Provider, Scope, provide_all

from chatapp.application.add_members import AddMembers
from chatapp.application.authenticate import Authenticate
from chatapp.application.change_password import ChangePassword
from chatapp.application.check_health import CheckHealth
from chatapp.application.create_conversation import CreateConversation
from chatapp.application.delete_message import DeleteMessage
from chatapp.application.edit_message import EditMessage
from chatapp.application.forgot_password import ForgotPassword
from chatapp.application.get_conversation import GetConversation
from chatapp.application.get_current_user import GetCurrentUser
from chatapp.application.get_message import GetMessage
from chatapp.application.get_user import GetUser
from chatapp.application.identify_legacy_user import IdentifyLegacyUser
from chatapp.application.list_conversations import ListConversations
from chatapp.application.list_messages import ListMessages
from chatapp.application.mark_read import MarkRead
from chatapp.application.record_disconnect import RecordDisconnect
from chatapp.application.record_message import RecordMessage
from chatapp.application.register_user import RegisterUser
from chatapp.application.remove_member import RemoveMember
from chatapp.application.rename_conversation import RenameConversation
from chatapp.application.replay_conversation import ReplayConversation
from chatapp.application.reset_password import ResetPassword
from chatapp.application.search_users import SearchUsers
from chatapp.application.set_user_blocked import SetUserBlocked
from chatapp.application.signal_typing import SignalTyping


class UseCaseProvider(Provider):
    """Use cases working through a UnitOfWork (or a ReadOnlyUnitOfWork) live in REQUEST scope, one
    owner each."""

    scope = Scope.REQUEST

    transactional = provide_all(
        RegisterUser,
        Authenticate,
        IdentifyLegacyUser,
        ChangePassword,
        ForgotPassword,
        ResetPassword,
        ListMessages,
        GetMessage,
        DeleteMessage,
        EditMessage,
        SetUserBlocked,
        SearchUsers,
        GetUser,
    )
    conversations = provide_all(
        CreateConversation,
        ListConversations,
        GetConversation,
        RenameConversation,
        AddMembers,
        RemoveMember,
        MarkRead,
    )


class MessageLogUseCaseProvider(Provider):
    """Appending goes through the APP-scoped MessageLog (its own unit of work, group-committed) and
    reading conversations and the caller through APP-scoped ports, so these use cases are stateless
    and shared: a WebSocket connection resolves them once, an HTTP request does not build them."""

    scope = Scope.APP

    appenders = provide_all(
        RecordMessage, RecordDisconnect, CheckHealth, ReplayConversation, SignalTyping, GetCurrentUser
    )
