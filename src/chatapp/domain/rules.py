"""Validation rules shared by every transport, so one place decides what is valid."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TypeVar

from chatapp.domain.errors import EmptyMessage, InvalidFields, InvalidInput, MessageTooLong

T = TypeVar("T")

USERNAME_MIN_CHARS = 3
PASSWORD_MIN_BYTES = 6
PASSWORD_MAX_BYTES = 72  # bcrypt cannot hash more; never truncate silently
CLIENT_ID_MAX_CHARS = 64
TITLE_MAX_CHARS = 100  # a group conversation's title, after trimming
MAX_ID = 2**63 - 1  # integer ids are BIGINT on every backend
MESSAGE_MAX_CHARS = 4000  # the MESSAGE_MAX_CHARS default, in code points after trimming
NUL = "\x00"  # PostgreSQL `text` cannot hold U+0000: every validator here refuses it, on every backend
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_id(value: int | str) -> int | None:
    """An integer id as clients send it (an int, or a string of ASCII digits); None when it cannot be one.

    Never more than 19 digits are converted: ids beyond BIGINT, fullwidth or other non-ASCII digits
    and 5,000-digit strings are simply no id.
    """
    if isinstance(value, str):
        if not (0 < len(value) <= 19 and value.isascii() and value.isdigit()):
            return None
        value = int(value)
    elif type(value) is not int:
        return None
    return value if 0 < value <= MAX_ID else None


def check_message_content(content: str, max_chars: int) -> str:
    """Content is judged on its trimmed length but kept exactly as sent."""
    if NUL in content:
        raise InvalidInput("Message content must not contain NUL characters")
    trimmed = content.strip()
    if not trimmed:
        raise EmptyMessage("Message content must not be empty")
    if len(trimmed) > max_chars:
        raise MessageTooLong(f"Message content must be at most {max_chars} characters")
    return content


def check_client_id(client_id: str | None) -> str | None:
    if client_id is not None and (not 1 <= len(client_id) <= CLIENT_ID_MAX_CHARS or NUL in client_id):
        raise InvalidInput(f"clientId must be 1..{CLIENT_ID_MAX_CHARS} characters, without NUL")
    return client_id


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 254 or not _EMAIL.match(email) or NUL in email:
        raise InvalidInput("email must be a valid email", field="email")
    return email


# Control, format (zero-width joiners, BOM, bidi marks), surrogate, private-use and unassigned
# characters, and line or paragraph separators: invisible or ambiguous in a name.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def username_key(username: str) -> str:
    """What makes two usernames the same one (NFKC case folding, Unicode's identifier caseless match):
    'Émile'/'émile', 'ＡＬＩＣＥ'/'alice' and composed/decomposed twins share a key, on every backend."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", username).casefold())


def check_username(username: str) -> str:
    """The username to store: trimmed and NFC-composed; no invisible characters, no space but U+0020."""
    username = unicodedata.normalize("NFC", username.strip())
    if NUL in username:
        raise InvalidInput("username must not contain NUL characters", field="username")
    if any(unicodedata.category(c) in _HIDDEN_CATEGORIES or (c.isspace() and c != " ") for c in username):
        raise InvalidInput("username must not contain invisible, control or unusual space characters", field="username")
    if len(username) < USERNAME_MIN_CHARS:
        raise InvalidInput(f"username must be at least {USERNAME_MIN_CHARS} characters", field="username")
    if len(username) > 100:
        raise InvalidInput("username must be at most 100 characters", field="username")
    return username


def check_password(password: str, field: str = "password") -> str:
    size = len(password.encode())
    if size < PASSWORD_MIN_BYTES:
        raise InvalidInput(f"{field} must be at least {PASSWORD_MIN_BYTES} characters", field=field)
    if size > PASSWORD_MAX_BYTES:
        raise InvalidInput(f"{field} must be at most {PASSWORD_MAX_BYTES} bytes", field=field)
    return password


def check_title(title: object) -> str:
    """A group's title: 1..TITLE_MAX_CHARS characters after trimming, stored trimmed."""
    if not isinstance(title, str) or NUL in title or not 1 <= len(title.strip()) <= TITLE_MAX_CHARS:
        raise InvalidInput(f"title must be a string of 1..{TITLE_MAX_CHARS} characters", field="title")
    return title.strip()


def all_valid(*checks: Callable[[], T]) -> list[T]:
    """Each check's result; if any check fails, InvalidFields listing every failure."""
    results, problems = [], []
    for check in checks:
        try:
            results.append(check())
        except InvalidInput as problem:
            problems.append(problem)
    if problems:
        raise InvalidFields(problems)
    return results
