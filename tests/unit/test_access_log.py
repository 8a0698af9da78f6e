"""The access log names query parameters as the server decodes them, and never logs a value."""

from __future__ import annotations

from chatapp.entrypoints.http.access_log import query_names


def test_names_are_decoded_and_values_dropped() -> None:
    assert query_names(b"%74oken=secret&pagination[page]=2&sort=id:asc") == ["token", "pagination[page]", "sort"]


def test_a_bare_token_is_not_logged_as_a_name() -> None:
    assert query_names(b"eyJhbGciOiJIUzI1NiJ9.eyJpZCI6MX0.c2ln") == ["?"]


def test_an_empty_query_has_no_names() -> None:
    assert query_names(b"") == []
