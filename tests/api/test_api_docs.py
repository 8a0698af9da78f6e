"""The API docs work with no network: Swagger UI from local files, and an AsyncAPI document of /ws."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import TestClient

from chatapp.entrypoints.ws.frames import CLIENT_FRAMES, SERVER_FRAMES

pytestmark = pytest.mark.parametrize("database_url", [None], ids=["memory"])  # docs are backend-independent

ASSET = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


def action_of(frame: type[msgspec.Struct]) -> str:
    return str(frame.__struct_config__.tag)


@pytest.fixture
def asyncapi(client: TestClient[Litestar]) -> dict[str, Any]:
    response = client.get("/schema/asyncapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    return dict(response.json())


def resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


@pytest.mark.parametrize("path", ["/schema", "/schema/swagger"])
def test_the_openapi_ui_loads_only_files_served_here(client: TestClient[Litestar], path: str) -> None:
    page = client.get(path)
    assets = ASSET.findall(page.text)

    assert page.status_code == 200
    assert assets, "the page loads Swagger UI's script and stylesheet"
    assert [url for url in assets if "://" in url or url.startswith("//")] == []
    for url in assets:
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize(
    ("operation", "frame"),
    [*(("receiveActions", f) for f in CLIENT_FRAMES), *(("sendActions", f) for f in SERVER_FRAMES)],
    ids=lambda value: value if isinstance(value, str) else value.__name__,
)
def test_asyncapi_documents_every_frame_with_its_action(
    asyncapi: dict[str, Any], operation: str, frame: type[msgspec.Struct]
) -> None:
    in_channel = [resolve(asyncapi, ref["$ref"]) for ref in asyncapi["operations"][operation]["messages"]]
    names = {resolve(asyncapi, ref["$ref"])["name"] for ref in in_channel}
    message = resolve(asyncapi, f"#/components/messages/{frame.__name__}")
    schema = resolve(asyncapi, message["payload"]["$ref"])

    assert frame.__name__ in names
    assert schema["properties"]["action"] == {"enum": [action_of(frame)]}
    assert set(schema["properties"]) == {"action", *(f.encode_name for f in msgspec.structs.fields(frame))}


def test_asyncapi_is_version_3_with_both_protocols(asyncapi: dict[str, Any]) -> None:
    assert asyncapi["asyncapi"].startswith("3.")
    assert {channel["address"] for channel in asyncapi["channels"].values()} == {"/ws", "/"}
    assert asyncapi["servers"]["chatapp"]["protocol"] == "ws"
    for operation in asyncapi["operations"].values():
        assert operation["action"] in {"send", "receive"}


def test_every_reference_in_the_asyncapi_document_resolves(asyncapi: dict[str, Any]) -> None:
    refs = re.findall(r'"\$ref":\s*"([^"]+)"', msgspec.json.encode(asyncapi).decode())

    assert refs
    for ref in refs:
        assert resolve(asyncapi, ref) is not None, ref
