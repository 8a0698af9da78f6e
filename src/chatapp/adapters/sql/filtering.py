"""Filter trees and sort keys compiled to SQLAlchemy expressions over a whitelisted column map.

Values are always bound parameters; no SQL is built from strings. The semantics are those of
adapters/memory/filtering.py, on SQLite and PostgreSQL alike:
- text compares by code point (PostgreSQL: the "C" collation), case-insensitive operators fold
  ASCII letters only (SQLite's lower(); PostgreSQL: translate()), and contains / startsWith /
  endsWith match the value literally (strpos/instr and substr, no LIKE, so `%` and `_` are letters);
- a null field satisfies nothing but `$null`, even under `$not` (each test on a nullable column
  is guarded so that it is false, never SQL's unknown);
- nulls sort after every value: last ascending, first descending (PostgreSQL's native order);
- integers are bound as BIGINT: a 32-bit column (seq) took the column's type for its parameter, and
  a value past that range failed on PostgreSQL (a 500, where SQLite and memory found no row).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, false, func, literal, not_, or_, true

from chatapp.application.query.fields import FieldType, Resource
from chatapp.application.query.filters import AllOf, AnyOf, Condition, Filter, Not, Operator, fold_case
from chatapp.application.query.listing import SortKey

Columns = Mapping[str, ColumnElement[Any]]
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class FilterCompiler:
    def __init__(self, resource: Resource, columns: Columns, dialect: str) -> None:
        self._resource = resource
        self._columns = columns
        self._postgres = dialect == "postgresql"

    def where(self, tree: Filter) -> ColumnElement[bool]:
        match tree:
            case Condition():
                return self._condition(tree)
            case Not(inner):
                return not_(self.where(inner))
            case AllOf(items):
                return and_(true(), *(self.where(item) for item in items))
            case AnyOf(items):
                return or_(false(), *(self.where(item) for item in items))

    def order_by(self, keys: tuple[SortKey, ...]) -> list[ColumnElement[Any]]:
        """Nulls sort after every value (PostgreSQL's own order, so its indexes still deliver it)."""
        clauses: list[ColumnElement[Any]] = []
        for key in keys:
            column = self._column(key.field)
            clause = column.desc() if key.descending else column.asc()
            if self._resource.fields[key.field].nullable and not self._postgres:
                clause = clause.nulls_first() if key.descending else clause.nulls_last()
            clauses.append(clause)
        return clauses

    def _column(self, name: str) -> ColumnElement[Any]:
        column = self._columns[name]
        if self._postgres and self._resource.fields[name].type in (FieldType.TEXT, FieldType.CHOICE):
            return column.collate("C")
        return column

    def _fold(self, column: ColumnElement[str]) -> ColumnElement[str]:
        if self._postgres:
            return func.translate(column, UPPER, UPPER.lower())
        return func.lower(column)  # SQLite's lower() folds ASCII only: exactly fold_case

    def _condition(self, condition: Condition) -> ColumnElement[bool]:
        column = self._column(condition.field)
        operator, value = condition.operator, condition.value
        if operator is Operator.NULL:
            return column.is_(None) if value else column.is_not(None)
        if operator is Operator.NOT_NULL:
            return column.is_not(None) if value else column.is_(None)
        test = self._test(column, operator, value)
        if self._resource.fields[condition.field].nullable:
            return and_(column.is_not(None), test)
        return test

    def _test(self, column: ColumnElement[Any], operator: Operator, value: Any) -> ColumnElement[bool]:
        value = _wide(value)
        match operator:
            case Operator.EQ:
                return column == value
            case Operator.NE:
                return column != value
            case Operator.LT:
                return column < value
            case Operator.LTE:
                return column <= value
            case Operator.GT:
                return column > value
            case Operator.GTE:
                return column >= value
            case Operator.IN:
                return column.in_(list(value))
            case Operator.NOT_IN:
                return column.not_in(list(value))
            case Operator.BETWEEN:  # not BETWEEN: PostgreSQL cannot parse its bounds with a COLLATE
                return and_(column >= value[0], column <= value[1])
            case Operator.EQI:
                return self._fold(column) == fold_case(value)
            case Operator.NEI:
                return self._fold(column) != fold_case(value)
            case Operator.CONTAINS:
                return self._contains(column, value)
            case Operator.NOT_CONTAINS:
                return not_(self._contains(column, value))
            case Operator.CONTAINSI:
                return self._contains(self._fold(column), fold_case(value))
            case Operator.NOT_CONTAINSI:
                return not_(self._contains(self._fold(column), fold_case(value)))
            case Operator.STARTS_WITH:
                return self._starts_with(column, value)
            case Operator.STARTS_WITHI:
                return self._starts_with(self._fold(column), fold_case(value))
            case Operator.ENDS_WITH:
                return self._ends_with(column, value)
            case Operator.ENDS_WITHI:
                return self._ends_with(self._fold(column), fold_case(value))
        raise ValueError(f"no SQL for {operator}")  # pragma: no cover - every Operator is matched

    def _contains(self, column: ColumnElement[str], text: str) -> ColumnElement[bool]:
        position = func.strpos(column, text) if self._postgres else func.instr(column, text)
        return position > 0

    def _starts_with(self, column: ColumnElement[str], text: str) -> ColumnElement[bool]:
        return func.substr(column, 1, len(text)) == text

    def _ends_with(self, column: ColumnElement[str], text: str) -> ColumnElement[bool]:
        if not text:
            return column.is_not(None)
        tail = func.right(column, len(text)) if self._postgres else func.substr(column, -len(text))
        return tail == text


def _wide(value: Any) -> Any:
    """An integer operand (or each of a list's) as a BIGINT parameter; anything else as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return literal(value, BigInteger)
    if isinstance(value, list | tuple):
        return type(value)(_wide(v) for v in value)
    return value
