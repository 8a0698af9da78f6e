"""The OpenAPI document describes the auth and chat routes as they really behave, and a UI serves it."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from tests.api.conftest import CHAT_SESSION_FIELDS, CONVERSATION_FIELDS, USER_FIELDS

AUTH_ROUTES = [
    ("post", "/api/auth/local/register", "RegisterBody", {"username", "email", "password"}),
    ("post", "/api/auth/local", "LoginBody", {"identifier", "password"}),
    (
        "post",
        "/api/auth/change-password",
        "ChangePasswordBody",
        {"currentPassword", "password", "passwordConfirmation"},
    ),
    ("post", "/api/auth/forgot-password", "ForgotPasswordBody", {"email"}),
    ("post", "/api/auth/reset-password", "ResetPasswordBody", {"code", "password", "passwordConfirmation"}),
]
PROTECTED = [
    ("get", "/api/users/me"),
    ("post", "/api/auth/change-password"),
    ("post", "/api/chat-sessions"),
    ("get", "/api/chat-sessions"),
    ("get", "/api/chat-sessions/{document_id}"),
    ("put", "/api/chat-sessions/{document_id}"),
    ("delete", "/api/chat-sessions/{document_id}"),
    ("get", "/api/users"),
    ("get", "/api/users/{reference}"),
]


@pytest.fixture
def spec(client: TestClient[Litestar]) -> dict[str, Any]:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.1")
    return dict(document)


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """Follow `$ref`s (and a nullable `oneOf`) down to the object schema."""
    while True:
        if "$ref" in schema:
            schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
        elif "oneOf" in schema:
            [schema] = [s for s in schema["oneOf"] if s.get("type") != "null"]
        else:
            return schema


def json_schema(spec: dict[str, Any], holder: dict[str, Any]) -> dict[str, Any]:
    return resolve(spec, holder["content"]["application/json"]["schema"])


@pytest.mark.parametrize(("method", "path", "body", "required"), AUTH_ROUTES)
def test_auth_routes_document_their_request_bodies(
    spec: dict[str, Any], method: str, path: str, body: str, required: set[str]
) -> None:
    operation = spec["paths"][path][method]
    request = operation["requestBody"]["content"]["application/json"]["schema"]

    assert request == {"$ref": f"#/components/schemas/{body}"}
    assert set(resolve(spec, request)["required"]) == required


@pytest.mark.parametrize("path", ["/api/auth/local/register", "/api/auth/local", "/api/auth/reset-password"])
def test_sign_in_answers_document_the_public_user_only(spec: dict[str, Any], path: str) -> None:
    answer = json_schema(spec, spec["paths"][path]["post"]["responses"]["200"])

    assert set(answer["properties"]) == {"jwt", "user"}
    user = resolve(spec, answer["properties"]["user"])
    assert set(user["properties"]) == USER_FIELDS


def test_me_documents_the_user(spec: dict[str, Any]) -> None:
    user = json_schema(spec, spec["paths"]["/api/users/me"]["get"]["responses"]["200"])

    assert set(user["properties"]) == USER_FIELDS


def test_chat_session_routes_document_bodies_and_answers(spec: dict[str, Any]) -> None:
    create = spec["paths"]["/api/chat-sessions"]["post"]
    request = json_schema(spec, create["requestBody"])
    created = json_schema(spec, create["responses"]["201"])
    listed = json_schema(spec, spec["paths"]["/api/chat-sessions"]["get"]["responses"]["200"])
    one = json_schema(spec, spec["paths"]["/api/chat-sessions/{document_id}"]["get"]["responses"]["200"])
    edited = json_schema(spec, spec["paths"]["/api/chat-sessions/{document_id}"]["put"]["responses"]["200"])
    deleted = spec["paths"]["/api/chat-sessions/{document_id}"]["delete"]["responses"]["204"]

    assert {"data", "message", "userId"} <= set(request["properties"])
    assert "message" in resolve(spec, request["properties"]["data"])["properties"]
    assert "content" not in deleted  # 204: no body, as Strapi v5
    for envelope in (created, one, edited):
        assert set(envelope["properties"]) == {"data", "meta"}
        assert set(resolve(spec, envelope["properties"]["data"])["properties"]) == CHAT_SESSION_FIELDS
    assert set(listed["properties"]) == {"data", "meta"}
    assert set(resolve(spec, listed["properties"]["data"]["items"])["properties"]) == CHAT_SESSION_FIELDS
    pagination = resolve(spec, resolve(spec, listed["properties"]["meta"])["properties"]["pagination"])
    assert set(pagination["properties"]) == {"page", "pageSize", "pageCount", "start", "limit", "total"}


def test_the_listing_documents_strapis_query_parameters(spec: dict[str, Any]) -> None:
    parameters = {p["name"]: p for p in spec["paths"]["/api/chat-sessions"]["get"]["parameters"]}

    assert {
        "pagination[page]",
        "pagination[pageSize]",
        "sort",
        "filters[timestamp][$gt]",
        "filters[timestamp][$lt]",
        "filters[kind][$eq]",
    } <= set(parameters)
    assert all(parameters[name]["in"] == "query" for name in parameters)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("post", "/api/auth/local", "400"),
        ("post", "/api/auth/local", "429"),
        ("post", "/api/auth/local/register", "400"),
        ("get", "/api/users/me", "401"),
        ("post", "/api/chat-sessions", "400"),
        ("post", "/api/chat-sessions", "401"),
        ("post", "/api/chat-sessions", "403"),
        ("get", "/api/chat-sessions", "400"),
        ("get", "/api/chat-sessions/{document_id}", "404"),
        ("put", "/api/chat-sessions/{document_id}", "400"),
        ("put", "/api/chat-sessions/{document_id}", "404"),
        ("delete", "/api/chat-sessions/{document_id}", "404"),
        ("get", "/api/users", "400"),
        ("get", "/api/users/{reference}", "404"),
    ],
)
def test_errors_are_documented_as_the_strapi_envelope(
    spec: dict[str, Any], method: str, path: str, status: str
) -> None:
    envelope = json_schema(spec, spec["paths"][path][method]["responses"][status])

    assert set(envelope["properties"]) == {"data", "error"}
    assert set(resolve(spec, envelope["properties"]["error"])["properties"]) == {
        "status",
        "name",
        "message",
        "details",
    }


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_protected_routes_declare_the_bearer_token(spec: dict[str, Any], method: str, path: str) -> None:
    [requirement] = spec["paths"][path][method]["security"]
    [name] = requirement
    scheme = spec["components"]["securitySchemes"][name]

    assert (scheme["type"], scheme["scheme"].lower()) == ("http", "bearer")


def test_the_schema_ui_is_served(client: TestClient[Litestar]) -> None:
    response = client.get("/schema")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "<html" in response.text.lower()


CONVERSATION_ROUTES = [
    ("post", "/api/conversations", "201"),
    ("get", "/api/conversations/{document_id}", "200"),
    ("put", "/api/conversations/{document_id}", "200"),
    ("post", "/api/conversations/{document_id}/members", "200"),
    ("put", "/api/conversations/{document_id}/read", "200"),
]


@pytest.mark.parametrize(("method", "path", "status"), CONVERSATION_ROUTES)
def test_conversation_routes_answer_the_conversation_object(
    spec: dict[str, Any], method: str, path: str, status: str
) -> None:
    operation = spec["paths"][path][method]
    envelope = json_schema(spec, operation["responses"][status])
    conversation = resolve(spec, envelope["properties"]["data"])

    assert set(envelope["properties"]) == {"data", "meta"}
    assert set(conversation["properties"]) == CONVERSATION_FIELDS
    member = resolve(spec, conversation["properties"]["members"]["items"])
    assert set(member["properties"]) == {"id", "documentId", "username", "role"}
    assert operation["security"] == [{"BearerToken": []}]
    assert "404" in operation["responses"] or path == "/api/conversations"


def test_conversation_listing_removal_and_message_filters_are_documented(spec: dict[str, Any]) -> None:
    listed = json_schema(spec, spec["paths"]["/api/conversations"]["get"]["responses"]["200"])
    removal = spec["paths"]["/api/conversations/{document_id}/members/{member_document_id}"]["delete"]
    created = spec["paths"]["/api/conversations"]["post"]
    messages = {p["name"] for p in spec["paths"]["/api/chat-sessions"]["get"]["parameters"]}

    assert set(resolve(spec, listed["properties"]["data"]["items"])["properties"]) == CONVERSATION_FIELDS
    assert "204" in removal["responses"] and {"400", "403", "404"} <= set(removal["responses"])
    assert {"200", "201", "400"} <= set(created["responses"])
    assert {"kind", "members", "title"} <= set(
        resolve(spec, json_schema(spec, created["requestBody"])["properties"]["data"])["properties"]
    )
    assert {
        "filters[conversation][documentId][$eq]",
        "filters[seq][$gt]",
        "filters[seq][$gte]",
        "filters[seq][$lt]",
        "filters[seq][$lte]",
    } <= messages
