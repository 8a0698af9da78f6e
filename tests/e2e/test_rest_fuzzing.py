"""Schema-driven fuzzing of the REST API, generated from the server's own OpenAPI document."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable

from tests.e2e.clients import register
from tests.e2e.server import ChatServer

pytestmark = pytest.mark.e2e

EXAMPLES_PER_OPERATION_AND_MODE = 40
BCRYPT_HASH = re.compile(r"\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}")


def password_keys(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [k for k in value if "password" in k.lower()] + [k for v in value.values() for k in password_keys(v)]
    if isinstance(value, list):
        return [k for item in value for k in password_keys(item)]
    return []


def judge(status: int, text: str) -> str | None:
    """What is wrong with one answer, if anything."""
    if status >= 500:
        return f"server error {status}"
    if BCRYPT_HASH.search(text):
        return "a password hash in the answer"
    try:
        body = json.loads(text) if text else None
    except ValueError:
        return "not JSON" if status >= 400 else None
    if keys := password_keys(body):
        return f"password fields in the answer: {keys}"
    if status < 400:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    envelope_ok = (
        isinstance(body, dict) and body.keys() == {"data", "error"} and body["data"] is None
        and isinstance(error, dict) and error.keys() == {"status", "name", "message", "details"}
        and error["status"] == status and isinstance(error["name"], str) and isinstance(error["message"], str)
        and isinstance(error["details"], dict)
    )
    return None if envelope_ok else "error outside the Strapi envelope"


def attack(operation: schemathesis.APIOperation, mode: schemathesis.GenerationMode, base_url: str,
           headers: dict[str, str]) -> list[str]:
    """Generated requests to one operation; the problems found, each with a curl command to replay it.

    No shrinking: every problem is kept as found, and the run stays bounded.
    """
    problems: list[str] = []

    @settings(max_examples=EXAMPLES_PER_OPERATION_AND_MODE, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def send(case: schemathesis.Case) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        if problem := judge(response.status_code, response.text):
            problems.append(f"{problem}: {response.text[:300]}\n  {case.as_curl_command(headers=headers)}")

    try:
        send()
    except Unsatisfiable:  # negative mode on an operation that takes no input: nothing to send
        pass
    return problems


def fuzz(schema_url: str, base_url: str, headers: dict[str, str]) -> dict[str, list[str]]:
    """Every operation of the schema, with valid and invalid inputs; operation -> problems."""
    schema = schemathesis.openapi.from_url(schema_url)
    problems: dict[str, list[str]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in schemathesis.GenerationMode:
            if found := attack(operation, mode, base_url, headers):
                problems.setdefault(operation.label, []).extend(found)
    return problems


async def test_no_input_gets_a_server_error_a_bare_error_or_a_password_hash(server: ChatServer) -> None:
    fuzzer = await register(server.http_url, "fuzzer")
    await register(server.http_url, "bystander")  # a second account to leak, if anything leaks
    problems = await asyncio.to_thread(
        fuzz, f"{server.http_url}/schema/openapi.json", server.http_url, fuzzer.headers
    )
    report = {op: found[:3] + [f"... {len(found)} in all"] for op, found in problems.items()}
    assert not problems, json.dumps(report, indent=1)
