from __future__ import annotations

from dishka import Provider, Scope, from_context, provide

from chatapp.adapters.email.log_sender import LogEmailSender
from chatapp.adapters.security.bcrypt_hasher import BcryptPasswordHasher
from chatapp.adapters.security.jwt_tokens import JwtTokenIssuer
from chatapp.adapters.system import RandomIdGenerator, SystemClock
from chatapp.application.policy import Policy
from chatapp.application.ports.security import PasswordHasher, TokenIssuer
from chatapp.application.ports.system import Clock, EmailSender, IdGenerator
from chatapp.entrypoints.settings import Settings


class SettingsProvider(Provider):
    settings = from_context(provides=Settings, scope=Scope.APP)

    @provide(scope=Scope.APP)
    def policy(self, settings: Settings) -> Policy:
        return settings.policy


class SystemProvider(Provider):
    scope = Scope.APP

    clock = provide(SystemClock, provides=Clock)
    ids = provide(RandomIdGenerator, provides=IdGenerator)
    mailer = provide(LogEmailSender, provides=EmailSender)


class SecurityProvider(Provider):
    scope = Scope.APP

    @provide
    def hasher(self, settings: Settings) -> PasswordHasher:
        return BcryptPasswordHasher(settings.bcrypt_rounds)

    @provide
    def tokens(self, settings: Settings, clock: Clock) -> TokenIssuer:
        if settings.jwt_secret is None:
            raise RuntimeError("JWT secret missing: create_app() resolves it before building the container")
        return JwtTokenIssuer(settings.jwt_secret, settings.token_lifetime, clock)
