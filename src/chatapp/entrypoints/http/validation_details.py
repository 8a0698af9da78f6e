"""Strapi's `details` for a ValidationError: `{"errors": [{"path": [...], "message", "name"}]}`,
one entry per failing field, worded as Strapi's yup schemas word them ("password is a required field")."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.utils.scope.state import ScopeState

from chatapp.domain.errors import InvalidFields, InvalidInput
from chatapp.entrypoints.json_depth import TooDeep, check_depth

Problem = dict[str, Any]
TYPE_NAMES = {
    msgspec.inspect.StrType: "string",
    msgspec.inspect.IntType: "number",
    msgspec.inspect.FloatType: "number",
    msgspec.inspect.BoolType: "boolean",
    msgspec.inspect.StructType: "object",
    msgspec.inspect.DictType: "object",
    msgspec.inspect.ListType: "array",
}


def problem(path: list[str], message: str) -> Problem:
    return {"path": path, "message": message, "name": "ValidationError"}


def summary(problems: list[Problem]) -> str:
    """Strapi's message: the one problem's, or how many there are."""
    return str(problems[0]["message"]) if len(problems) == 1 else f"{len(problems)} errors occurred"


def of_domain_error(error: InvalidInput) -> dict[str, Any]:
    """The fields a use case refused; nothing when the rule is not about one field."""
    refused = error.problems if isinstance(error, InvalidFields) else (error,)
    if not any(refusal.field for refusal in refused):
        return {}
    return {"errors": [problem([r.field] if r.field else [], r.message) for r in refused]}


def of_request_body(request: Request[Any, Any, Any]) -> list[Problem]:
    """Every field of the JSON body that does not fit the route's body type (msgspec reports one)."""
    data_field = request.route_handler.parsed_data_field
    body = ScopeState.from_scope(request.scope).body
    if data_field is None or not isinstance(body, bytes):
        return []
    try:
        check_depth(body)  # not left to RecursionError: under a raised recursion limit msgspec would decode it
        raw = msgspec.json.decode(body)
    except (msgspec.DecodeError, TooDeep):  # not JSON, or nested too deep: the cause stands alone
        return []
    return _problems(raw, data_field.annotation, [])


def _problems(value: Any, annotation: Any, path: list[str]) -> list[Problem]:
    struct = _struct_of(annotation)
    if struct is None or not isinstance(value, dict):
        return []
    found: list[Problem] = []
    for field in msgspec.structs.fields(struct):
        here = [*path, field.encode_name]
        name = ".".join(here)
        if field.encode_name not in value:
            if field.required:
                found.append(problem(here, f"{name} is a required field"))
            continue
        try:
            msgspec.convert(value[field.encode_name], field.type)
        except msgspec.ValidationError:
            nested = _problems(value[field.encode_name], field.type, here)
            found.extend(nested or [problem(here, f"{name} must be a `{_type_name(field.type)}` type")])
    return found


def _struct_of(annotation: Any) -> type[msgspec.Struct] | None:
    info = msgspec.inspect.type_info(annotation)
    if isinstance(info, msgspec.inspect.UnionType):
        info = next((t for t in info.types if isinstance(t, msgspec.inspect.StructType)), info)
    return info.cls if isinstance(info, msgspec.inspect.StructType) else None


def _type_name(annotation: Any) -> str:
    info = msgspec.inspect.type_info(annotation)
    kinds = info.types if isinstance(info, msgspec.inspect.UnionType) else (info,)
    names = [TYPE_NAMES[type(kind)] for kind in kinds if type(kind) in TYPE_NAMES]
    return " or ".join(dict.fromkeys(names)) or "valid"
