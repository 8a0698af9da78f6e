"""The operator commands, run in-process against a SQLite file: exit codes and their effect on the API."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient

from chatapp.entrypoints.app import create_app
from chatapp.entrypoints.cli import main
from tests.api.conftest import TEST_SECRET, make_settings


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """main() installs its log handler on the root logger, bound to this test's captured stderr."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


@pytest.fixture
def database_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'ops.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
    monkeypatch.setenv("BCRYPT_ROUNDS", "4")
    return url


def login(url: str, identifier: str, password: str) -> int:
    with TestClient(create_app(make_settings(database_url=url))) as client:
        return client.post("/api/auth/local", json={"identifier": identifier, "password": password}).status_code


def test_create_user_then_block_and_unblock_it(database_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create-user", "--username", "ops", "--email", "ops@example.com", "--password", "s3cret-pass"]) == 0
    assert login(database_file, "ops", "s3cret-pass") == 200

    assert main(["block-user", "ops"]) == 0
    assert login(database_file, "ops", "s3cret-pass") == 400

    assert main(["unblock-user", "ops"]) == 0
    assert login(database_file, "ops", "s3cret-pass") == 200
    assert "unblocked user ops" in capsys.readouterr().out


def test_unknown_users_and_taken_names_exit_1_with_a_message(
    database_file: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["block-user", "nobody"]) == 1
    assert "nobody" in capsys.readouterr().err
    assert main(["create-user", "--username", "ops", "--email", "ops@example.com", "--password", "s3cret-pass"]) == 0
    assert main(["create-user", "--username", "OPS", "--email", "other@example.com", "--password", "s3cret-pass"]) == 1
    assert "already taken" in capsys.readouterr().err


def test_invalid_settings_exit_2_naming_the_variable(
    database_file: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "not-a-port")
    assert main(["migrate"]) == 2
    assert "PORT" in capsys.readouterr().err


def test_serve_refuses_several_workers_on_sqlite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'chat.db'}")
    monkeypatch.setenv("JWT_SECRET", TEST_SECRET)
    assert main(["serve", "--workers", "2"]) == 2
    assert "--workers above 1 needs PostgreSQL" in capsys.readouterr().err
    assert not (tmp_path / "chat.db").exists()  # refused before anything was touched
