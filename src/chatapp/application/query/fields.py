"""What a listing may filter, sort and select on: a Resource names its fields and their types."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class FieldType(Enum):
    INTEGER = "integer"
    TEXT = "text"
    DATETIME = "datetime"
    CHOICE = "choice"  # text limited to Field.choices


@dataclass(slots=True, frozen=True)
class Field:
    type: FieldType
    nullable: bool = False
    sortable: bool = True
    choices: frozenset[str] = frozenset()


@dataclass(slots=True, frozen=True, kw_only=True)
class Resource:
    """The public face of a stored object. `fields` are filterable by their dotted names
    (`user.username` is the author's username); `selectable` are the attributes `fields=` may
    pick (`id` and `documentId` always come back); `relations` are what `populate` may name."""

    name: str
    fields: dict[str, Field]
    selectable: frozenset[str]
    relations: frozenset[str] = field(default_factory=frozenset)

    def __hash__(self) -> int:  # `fields` is a dict: hashed by its name, which no other resource has
        return hash(self.name)
