from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest

from chatapp.entrypoints.settings import SettingsError, ensure_jwt_secret, load_settings

SECRET = "s" * 32


def test_defaults_serve_sqlite_on_the_seed_port() -> None:
    settings = load_settings({}, dotenv=None)
    assert (settings.host, settings.port) == ("127.0.0.1", 1337)
    assert settings.database_url == "sqlite+aiosqlite:///./chatapp.db"
    assert settings.token_lifetime == timedelta(days=30)
    assert settings.auth_rate == ("minute", 10)
    assert settings.ws_rate == 20.0 and settings.ws_rate_burst == 40
    assert not settings.ws_legacy_user_id


def test_the_environment_wins_over_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text('# local\nPORT=8000\nexport LOG_FORMAT="json"\nHOST=0.0.0.0\n')
    settings = load_settings({"PORT": "9000"}, dotenv=dotenv)
    assert (settings.port, settings.log_format, settings.host) == (9000, "json", "0.0.0.0")


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"PORT": "abc"}, "PORT"),
        ({"PORT": "70000"}, "PORT"),
        ({"JWT_SECRET": "short"}, "JWT_SECRET"),
        ({"APP_ENV": "production"}, "JWT_SECRET"),
        ({"DATABASE_URL": "mysql://db/chat"}, "DATABASE_URL"),
        ({"JWT_EXPIRES_IN": "forever"}, "JWT_EXPIRES_IN"),
        ({"AUTH_RATE_LIMIT": "lots"}, "AUTH_RATE_LIMIT"),
        ({"WS_LEGACY_USER_ID": "perhaps"}, "WS_LEGACY_USER_ID"),
        ({"DATABASE_POOL_SIZE": "0"}, "DATABASE_POOL_SIZE"),
        ({"PRESENCE_TIMEOUT": "0.5"}, "PRESENCE_TIMEOUT"),
    ],
)
def test_a_bad_value_is_refused_with_the_variables_name(environ: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        load_settings(environ, dotenv=None)


@pytest.mark.parametrize(("value", "seconds"), [("30d", 2592000), ("12h", 43200), ("15m", 900), ("900s", 900)])
def test_token_lifetimes(value: str, seconds: int) -> None:
    assert load_settings({"JWT_EXPIRES_IN": value}, dotenv=None).token_lifetime.total_seconds() == seconds


def test_rate_limits_switch_off_with_zero() -> None:
    settings = load_settings({"AUTH_RATE_LIMIT": "0", "WS_RATE_LIMIT": "0"}, dotenv=None)
    assert settings.auth_rate is None and settings.ws_rate is None


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "postgresql+asyncpg"])
def test_every_postgres_url_form_is_accepted(scheme: str) -> None:
    settings = load_settings({"DATABASE_URL": f"{scheme}://chat@db:5432/chat"}, dotenv=None)
    assert settings.database_url == f"{scheme}://chat@db:5432/chat"


def test_production_with_a_secret_starts() -> None:
    assert load_settings({"APP_ENV": "production", "JWT_SECRET": SECRET}, dotenv=None).jwt_secret == SECRET


def test_a_missing_secret_is_generated_once_beside_the_database(tmp_path: Path) -> None:
    settings = load_settings({"DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"}, dotenv=None)
    first = ensure_jwt_secret(settings)
    secret_file = tmp_path / ".jwt_secret"
    assert first.jwt_secret and len(first.jwt_secret.encode()) >= 32
    assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
    assert ensure_jwt_secret(settings).jwt_secret == first.jwt_secret


def test_a_configured_secret_is_never_replaced(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}"
    settings = load_settings({"DATABASE_URL": url, "JWT_SECRET": SECRET}, dotenv=None)
    assert ensure_jwt_secret(settings).jwt_secret == SECRET
    assert not (tmp_path / ".jwt_secret").exists()
