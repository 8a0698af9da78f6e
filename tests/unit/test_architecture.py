"""The inner layers import no framework, database driver or crypto library (dependencies point inward)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "chatapp"
FORBIDDEN = {
    "litestar",
    "sqlalchemy",
    "advanced_alchemy",
    "dishka",
    "jwt",
    "bcrypt",
    "asyncpg",
    "aiosqlite",
    "uvicorn",
    "msgspec",
}
# Within chatapp: the domain imports nothing else from chatapp, the application only the domain.
ALLOWED_INTERNAL = {"domain": {"chatapp.domain"}, "application": {"chatapp.domain", "chatapp.application"}}


def imported_modules(path: Path) -> set[str]:
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
    return modules


def python_files(layer: str) -> list[Path]:
    files = sorted((SRC / layer).rglob("*.py"))
    assert files, f"no Python files under {SRC / layer}"
    return files


@pytest.mark.parametrize("layer", ["domain", "application"])
def test_inner_layers_import_no_frameworks_or_drivers(layer: str) -> None:
    offences = [
        f"{path.relative_to(SRC)}: {module}"
        for path in python_files(layer)
        for module in sorted(imported_modules(path))
        if module.split(".")[0] in FORBIDDEN
    ]
    assert offences == []


@pytest.mark.parametrize("layer", ["domain", "application"])
def test_inner_layers_depend_only_inward(layer: str) -> None:
    offences = [
        f"{path.relative_to(SRC)}: {module}"
        for path in python_files(layer)
        for module in sorted(imported_modules(path))
        if module.startswith("chatapp")
        and not any(module == p or module.startswith(p + ".") for p in ALLOWED_INTERNAL[layer])
    ]
    assert offences == []


def test_the_checker_sees_imports_in_every_form(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import litestar\nimport jwt as pyjwt\nfrom sqlalchemy.orm import Session\n"
        "def f():\n    import bcrypt\nfrom . import sibling\n"
    )

    assert imported_modules(sample) == {"litestar", "jwt", "sqlalchemy.orm", "bcrypt"}
