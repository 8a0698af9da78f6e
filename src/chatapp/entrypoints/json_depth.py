"""How deeply a JSON document nests, measured before any parser recurses into it.

msgspec (and any code walking the decoded value) recurses once per level: a 60 KB document nested
30,000 deep ends in RecursionError. No request of ours nests more than a few levels, so both
transports refuse documents deeper than MAX_JSON_DEPTH before decoding them.
"""

from __future__ import annotations

import re
from array import array
from itertools import accumulate

MAX_JSON_DEPTH = 64

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
# Opening brackets become +1, closing ones -1 (0xFF read as a signed byte).
_SIGNED_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


# Valid JSON nesting deeper than MAX_JSON_DEPTH opens and closes more than MAX_JSON_DEPTH brackets.
# A shorter document is either shallow enough or invalid, and the parser refuses an invalid one
# before it could recurse more than these few levels: most frames need no counting at all.
_SHORT = 2 * (MAX_JSON_DEPTH + 1)


class TooDeep(ValueError):
    def __init__(self) -> None:
        super().__init__(f"JSON nests deeper than {MAX_JSON_DEPTH} levels")


def check_depth(document: str | bytes) -> None:
    """Raise TooDeep when `document` nests more than MAX_JSON_DEPTH arrays/objects.

    Brackets inside strings do not count. Everything runs in C (regex, translate, accumulate):
    a 1 MiB body costs about a millisecond, a typical frame with one `{` a few hundred nanoseconds.
    """
    if len(document) < _SHORT:
        return
    if isinstance(document, str):
        if document.count("[") + document.count("{") <= MAX_JSON_DEPTH:
            return
        raw = document.encode("utf-8", "surrogatepass")
    else:
        if document.count(b"[") + document.count(b"{") <= MAX_JSON_DEPTH:
            return
        raw = document
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_A_BRACKET).translate(_SIGNED_STEPS)
    if max(accumulate(array("b", brackets)), default=0) > MAX_JSON_DEPTH:
        raise TooDeep
