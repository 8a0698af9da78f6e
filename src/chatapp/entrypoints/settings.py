"""Settings: read once from the environment (and an optional `.env`), validated, frozen."""

from __future__ import annotations

import logging
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Literal

import msgspec

from chatapp.adapters.sql.database import DEFAULT_POOL_SIZE
from chatapp.adapters.sql.postgres_relay import DEFAULT_SILENCE_SECONDS
from chatapp.application.policy import Policy
from chatapp.domain.rules import MESSAGE_MAX_CHARS

_DURATION = re.compile(r"^(\d+)\s*([smhd]?)$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_RATE = re.compile(r"^(\d+)\s*/\s*(second|minute|hour|day)$")
MIN_SECRET_BYTES = 32
logger = logging.getLogger("chatapp.settings")


class SettingsError(ValueError):
    """A setting has a value the service cannot start with; the message names it."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    host: str = "127.0.0.1"
    port: int = 1337
    database_url: str = "sqlite+aiosqlite:///./chatapp.db"
    database_pool_size: int = DEFAULT_POOL_SIZE
    database_min_free_bytes: int = 16 * 1024 * 1024
    jwt_secret: str | None = None
    jwt_expires_in: str = "30d"
    app_env: Literal["development", "production", "test"] = "development"
    bcrypt_rounds: int = 10
    ws_legacy_user_id: bool = False
    cors_origins: str = ""
    ws_allowed_origins: str = ""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["console", "json"] = "console"
    auth_rate_limit: str = "10/minute"
    ws_max_frame_bytes: int = 65536
    ws_rate_limit: str = "20/second"
    ws_rate_burst: int = 40
    ws_auth_timeout: float = 10.0
    ws_ping_interval: float = 20.0
    presence_timeout: float = DEFAULT_SILENCE_SECONDS
    message_max_chars: int = MESSAGE_MAX_CHARS
    http_max_body_bytes: int = 1048576
    http_request_timeout: float = 10.0
    max_connections: int = 10000
    max_connections_per_address: int = 1000
    trusted_proxies: str = ""

    def __post_init__(self) -> None:
        if not 0 < self.port < 65536:
            raise SettingsError(f"PORT must be between 1 and 65535, got {self.port}")
        if not self.database_url.startswith(("sqlite", "postgres")):
            raise SettingsError("DATABASE_URL must be a sqlite+aiosqlite:// or postgresql:// URL")
        if not 1 <= self.database_pool_size <= 1000:
            raise SettingsError(f"DATABASE_POOL_SIZE must be between 1 and 1000, got {self.database_pool_size}")
        if self.jwt_secret is not None and len(self.jwt_secret.encode()) < MIN_SECRET_BYTES:
            raise SettingsError(f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
        if self.app_env == "production" and self.jwt_secret is None:
            raise SettingsError("JWT_SECRET is required when APP_ENV=production")
        if not 4 <= self.bcrypt_rounds <= 31:
            raise SettingsError("BCRYPT_ROUNDS must be between 4 and 31")
        if self.message_max_chars < 1 or self.ws_max_frame_bytes < 1 or self.http_max_body_bytes < 1:
            raise SettingsError("MESSAGE_MAX_CHARS, WS_MAX_FRAME_BYTES and HTTP_MAX_BODY_BYTES must be positive")
        if self.http_request_timeout <= 0 or self.max_connections < 1 or self.max_connections_per_address < 1:
            raise SettingsError(
                "HTTP_REQUEST_TIMEOUT, MAX_CONNECTIONS and MAX_CONNECTIONS_PER_ADDRESS must be positive"
            )
        if self.presence_timeout < 1:
            raise SettingsError(f"PRESENCE_TIMEOUT must be at least 1 second, got {self.presence_timeout}")
        _ = self.token_lifetime, self.auth_rate, self.ws_rate  # validate the formats now, not on first use

    @property
    def token_lifetime(self) -> timedelta:
        match = _DURATION.match(self.jwt_expires_in.strip())
        if not match or int(match[1]) == 0:
            raise SettingsError(f"JWT_EXPIRES_IN must look like 30d, 12h, 15m or 900s, got {self.jwt_expires_in!r}")
        return timedelta(seconds=int(match[1]) * _UNIT_SECONDS[match[2]])

    @property
    def auth_rate(self) -> tuple[str, int] | None:
        """(unit, count) for Litestar's rate limiter, or None when switched off with `0`."""
        return _parse_rate("AUTH_RATE_LIMIT", self.auth_rate_limit)

    @property
    def ws_rate(self) -> float | None:
        """Message frames per second per connection, or None when switched off."""
        rate = _parse_rate("WS_RATE_LIMIT", self.ws_rate_limit)
        if rate is None:
            return None
        unit, count = rate
        return count / _UNIT_SECONDS[{"second": "s", "minute": "m", "hour": "h", "day": "d"}[unit]]

    @property
    def policy(self) -> Policy:
        return Policy(message_max_chars=self.message_max_chars)

    @staticmethod
    def split(origins: str) -> list[str]:
        return [origin.strip() for origin in origins.split(",") if origin.strip()]


def _parse_rate(name: str, value: str) -> tuple[str, int] | None:
    value = value.strip()
    if value == "0":
        return None
    match = _RATE.match(value)
    if not match or int(match[1]) == 0:
        raise SettingsError(f"{name} must look like 10/minute or 20/second (or 0 for off), got {value!r}")
    return match[2], int(match[1])


def read_dotenv(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; `#` comments, blank lines, `export ` and surrounding quotes are allowed."""
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def load_settings(environ: dict[str, str] | None = None, dotenv: Path | None = Path(".env")) -> Settings:
    """Environment variables win over `.env`; names are the upper-case field names."""
    source = {**(read_dotenv(dotenv) if dotenv else {}), **(os.environ if environ is None else environ)}
    fields = {name: source[name.upper()] for name in Settings.__struct_fields__ if name.upper() in source}
    try:
        return msgspec.convert(fields, Settings, strict=False)
    except msgspec.ValidationError as error:
        raise SettingsError(_name_the_variable(str(error))) from None


def _name_the_variable(message: str) -> str:
    """msgspec says `at $.port`; operators know the variable as PORT."""
    return re.sub(r"\$\.(\w+)", lambda m: m[1].upper(), message)


def ensure_jwt_secret(settings: Settings) -> Settings:
    """Outside production a missing secret is generated once and kept beside the database (0600)."""
    if settings.jwt_secret is not None:
        return settings
    path = secret_file_for(settings.database_url)
    if path.is_file():
        secret = path.read_text().strip()
        logger.warning("JWT_SECRET is not set: signing tokens with the secret stored in %s", path)
    else:
        secret = secrets.token_urlsafe(48)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as error:
            raise SettingsError(f"JWT_SECRET is not set and {path} cannot be created ({error.strerror})") from None
        with os.fdopen(fd, "w") as handle:
            handle.write(secret + "\n")
        logger.warning("JWT_SECRET is not set: generated a secret into %s (mode 0600); set it in production", path)
    return msgspec.structs.replace(settings, jwt_secret=secret)


def secret_file_for(database_url: str) -> Path:
    if database_url.startswith("sqlite"):
        location = database_url.split("///", 1)[-1]
        if location and location != ":memory:":
            return Path(location).resolve().parent / ".jwt_secret"
    return Path(".jwt_secret").resolve()
