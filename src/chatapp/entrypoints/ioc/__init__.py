"""The composition root: dishka providers grouped by layer, assembled in one list."""

from __future__ import annotations

from dishka import Provider
from dishka.integrations.litestar import LitestarProvider

from chatapp.entrypoints.ioc.caller import CallerProvider
from chatapp.entrypoints.ioc.core import SecurityProvider, SettingsProvider, SystemProvider
from chatapp.entrypoints.ioc.live import LiveProvider
from chatapp.entrypoints.ioc.persistence import SqlPersistenceProvider
from chatapp.entrypoints.ioc.use_cases import MessageLogUseCaseProvider, UseCaseProvider
from chatapp.entrypoints.ioc.websocket import WebSocketProvider


def app_providers() -> list[Provider]:
    """What the app, the CLI and the benchmark run on (SQL persistence chosen by DATABASE_URL).

    Providers given after these override them: tests pass MemoryPersistenceProvider().
    """
    return [
        LitestarProvider(),
        SettingsProvider(),
        SystemProvider(),
        SecurityProvider(),
        SqlPersistenceProvider(),
        UseCaseProvider(),
        MessageLogUseCaseProvider(),
        LiveProvider(),
        CallerProvider(),
        WebSocketProvider(),
    ]
