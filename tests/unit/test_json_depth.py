"""The nesting pre-check both transports run before decoding JSON."""

from __future__ import annotations

import pytest

from chatapp.entrypoints.json_depth import MAX_JSON_DEPTH, TooDeep, check_depth


def nested(depth: int, opening: str = "[", closing: str = "]") -> str:
    return opening * depth + closing * depth


@pytest.mark.parametrize("document", [nested(MAX_JSON_DEPTH), nested(MAX_JSON_DEPTH).encode()])
def test_documents_at_the_limit_pass(document: str | bytes) -> None:
    check_depth(document)


@pytest.mark.parametrize(
    "document",
    [
        nested(MAX_JSON_DEPTH + 1),
        nested(MAX_JSON_DEPTH + 1).encode(),
        '{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1),
        '{"action":"message","x":' + nested(30_000) + "}",
        "[" * 30_000,  # never closed: the parser would recurse before noticing
        '["\\"",' + nested(MAX_JSON_DEPTH) + "]",  # an escaped quote does not end the string
    ],
    ids=["arrays", "bytes", "objects", "deep-frame", "unclosed", "after-escaped-quote"],
)
def test_deeper_documents_are_refused(document: str | bytes) -> None:
    with pytest.raises(TooDeep):
        check_depth(document)


def test_brackets_inside_strings_do_not_count() -> None:
    check_depth('{"content": "' + "[{" * 10_000 + '"}')


def test_many_shallow_arrays_pass() -> None:
    check_depth("[" + ",".join(["[[1]]"] * 10_000) + "]")


def test_non_ascii_text_is_measured_like_any_other() -> None:
    check_depth('{"content": "' + "é[" * 1_000 + '", "n": ' + nested(3) + "}")


def test_a_short_unclosed_document_is_left_to_the_parser_which_refuses_it() -> None:
    from chatapp.entrypoints.ws import errors
    from chatapp.entrypoints.ws.action_codec import ActionCodec

    codec = ActionCodec(legacy_user_id=False)
    for document in ("[" * (MAX_JSON_DEPTH + 10), '{"action":"message","x":' + "[" * (MAX_JSON_DEPTH + 10)):
        check_depth(document)  # deeper than the limit, but too short to be valid JSON
        with pytest.raises(errors.Refusal) as refused:
            codec.decode(document)
        assert refused.value.code in {"invalid_json", "invalid_frame"} and refused.value.close is None
