"""Random filter query strings: each gives exactly the rows a pure-Python evaluation picks out of
the caller's own rows, on every backend, or it is refused: invalid input (a 400), or a conversation
the caller is not a member of (a 404). Never anything else."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from chatapp.adapters.memory.filtering import matches
from chatapp.adapters.memory.records import message_record
from chatapp.application.list_messages import ListMessages
from chatapp.application.policy import Policy
from chatapp.application.ports.persistence import AuthoredBy
from chatapp.application.query.filters import TEXT_OPERATORS, Operator
from chatapp.application.query.listing import ListQuery, OffsetWindow, SortKey
from chatapp.application.query.resources import CHAT_SESSIONS
from chatapp.domain.chat_message import MessageKind
from chatapp.domain.errors import InvalidInput, NotFound
from chatapp.entrypoints.http.strapi_query import parse_list_query
from tests.adapters.conftest import Backend
from tests.adapters.factories import T0

ALPHABET = "aAbB%_\\É é1"
TEXTS = [ALPHABET[i % 11 :: 3][: 1 + i % 5] + ALPHABET[i % 7] for i in range(24)]
FIELDS = [*CHAT_SESSIONS.fields, "user.email", "password", "bogus", "user"]
OPERATORS = [operator.value for operator in Operator] + ["$regex", "$like", "eq"]

texts = st.text(alphabet=ALPHABET, max_size=4) | st.sampled_from(TEXTS)
integers = st.integers(min_value=-2, max_value=60).map(str) | st.sampled_from(
    ["1e3", "", "99999999999999999999"]
)
moments = st.builds(
    lambda half_seconds, offset, form: _moment(half_seconds, offset, form),
    st.integers(min_value=-2, max_value=30),
    st.sampled_from([0, 2, -5]),
    st.sampled_from(["z", "offset", "naive"]),
) | st.sampled_from(["yesterday", "2024-13-01", ""])
scalars = texts | integers | moments | st.sampled_from(["message", "disconnect", "true", "false"])


def _moment(half_seconds: int, offset_hours: int, form: str) -> str:
    moment = T0 + timedelta(seconds=half_seconds / 2)
    if form == "z":
        return moment.isoformat().replace("+00:00", "Z")
    if form == "naive":
        return moment.replace(tzinfo=None).isoformat()
    return moment.astimezone(timezone(timedelta(hours=offset_hours))).isoformat()


def _nested(field: str, operand: Any) -> dict[str, Any]:
    head, _, rest = field.partition(".")
    return {head: _nested(rest, operand) if rest else operand}


operands = scalars | st.lists(scalars, max_size=3)
anything = st.builds(
    lambda field, operator, operand: _nested(field, operand if operator is None else {operator: operand}),
    st.sampled_from(FIELDS),
    st.none() | st.sampled_from(OPERATORS),
    operands,
)
VALUES = {
    "integer": integers,
    "text": texts,
    "datetime": moments,
    "choice": st.sampled_from(["message", "disconnect"]),
}
ORDERED = ["$eq", "$ne", "$lt", "$lte", "$gt", "$gte"]
TEXTUAL = [op.value for op in TEXT_OPERATORS]


@st.composite
def well_typed(draw: st.DrawFn) -> dict[str, Any]:
    """A condition that fits its field's type: most of these are answered, not refused."""
    field = draw(st.sampled_from(list(CHAT_SESSIONS.fields)))
    kind = CHAT_SESSIONS.fields[field].type.value
    values = VALUES[kind]
    operator = draw(
        st.sampled_from(
            ORDERED
            + ["$in", "$notIn", "$between", "$null", "$notNull"]
            + (TEXTUAL if kind in ("text", "choice") else [])
        )
    )
    if operator in ("$in", "$notIn"):
        operand: Any = draw(st.lists(values, max_size=3))
    elif operator == "$between":
        operand = draw(st.lists(values, min_size=2, max_size=2))
    elif operator in ("$null", "$notNull"):
        operand = draw(st.sampled_from(["true", "false"]))
    else:
        operand = draw(values)
    return _nested(field, {operator: operand})


conditions = well_typed() | well_typed() | anything
trees = st.recursive(
    conditions,
    lambda children: (
        st.builds(lambda items: {"$and": items}, st.lists(children, max_size=3))
        | st.builds(lambda items: {"$or": items}, st.lists(children, max_size=3))
        | st.builds(lambda child: {"$not": child}, children)
    ),
    max_leaves=12,
)


def flatten(prefix: str, value: Any) -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from flatten(f"{prefix}[{key}]", child)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from flatten(f"{prefix}[{index}]", child)
    else:
        yield prefix, value


@pytest.fixture
async def rows(add_user, post):
    """alice's 24 messages (two per half second, every fifth a disconnect row), as stored; bob's 3."""
    alice, bob = await add_user("alice"), await add_user("bob")
    for i, text in enumerate(TEXTS):
        kind = MessageKind.DISCONNECT if i % 5 == 4 else MessageKind.MESSAGE
        await post(alice, text, seconds=(i // 2) / 2, kind=kind)
    for text in TEXTS[:3]:
        await post(bob, text, seconds=1)
    return alice


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tree=trees)
async def test_random_filters_agree_with_python_or_are_refused(backend: Backend, rows, tree) -> None:
    alice = rows
    everything = ListQuery(sort=(SortKey("id"),), window=OffsetWindow(0, 100))
    async with backend.uow() as uow:
        stored = (await uow.messages.list(AuthoredBy(alice.id), everything)).items
    try:
        query = parse_list_query(list(flatten("filters", tree)), CHAT_SESSIONS)
        found = await ListMessages(backend.uow(), Policy())(
            alice.id, replace(everything, filter=query.filter)
        )
    except (InvalidInput, NotFound) as refusal:
        event(f"refused: {type(refusal).__name__}")
        return  # a 400 ValidationError, or a 404 for someone else's conversation
    event(f"answered, {'some' if found.items else 'no'} rows")
    assert [m.id for m in found.items] == [m.id for m in stored if matches(query.filter, message_record(m))]
