"""CQL2 text (Basic CQL2, OGC API – Features Part 3) parsed by pygeofilter and translated to a
SQLAlchemy condition by a whitelisting walker: only the collection's queryables, only the
comparison, LIKE, IN, BETWEEN, IS NULL and boolean operators, only literal values. Anything else
is a 400 naming the ``filter`` parameter, so no text of the filter ever reaches SQL."""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from lark.exceptions import LarkError
from pygeofilter import ast
from pygeofilter.parsers.cql2_text import parse as parse_cql2
from sqlalchemy import ColumnElement, and_, not_, or_

from api.ogc.errors import InvalidParameter

Columns = Mapping[str, tuple[Any, str]]  # queryable → (SQLAlchemy column, ``json_type``)
MAX_FILTER = 4000  # characters: a filter from a GIS desktop's box is far shorter
MAX_DEPTH = 32
MIN_TIME = datetime(1900, 1, 1, tzinfo=UTC)
MAX_TIME = datetime(2200, 1, 1, tzinfo=UTC)

_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Equal: operator.eq,
    ast.NotEqual: operator.ne,
    ast.LessThan: operator.lt,
    ast.LessEqual: operator.le,
    ast.GreaterThan: operator.gt,
    ast.GreaterEqual: operator.ge,
}


def _bad(msg: str) -> InvalidParameter:
    """The 400 of a filter we refuse."""
    return InvalidParameter(f"filter: {msg}", "filter")


def parse(text: str, lang: str | None) -> ast.Node:
    """The AST of a CQL2 text filter; 400 for another language, an over-long or a malformed one."""
    if lang not in (None, "", "cql2-text", "cql-text"):  # cql-text: the draft's name (GDAL 3.6)
        raise InvalidParameter("filter-lang must be cql2-text", "filter-lang")
    if len(text) > MAX_FILTER:
        raise _bad(f"at most {MAX_FILTER} characters")
    try:
        return parse_cql2(text)
    except (LarkError, ValueError, TypeError, RecursionError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise _bad(f"not valid CQL2 text ({first})") from e


def to_sql(node: Any, columns: Columns, depth: int = 0) -> ColumnElement[bool]:
    """``node`` as a SQL condition over ``columns``; 400 for what Basic CQL2 does not allow."""
    if depth > MAX_DEPTH:
        raise _bad("nested too deeply")
    if isinstance(node, ast.And | ast.Or):
        join = and_ if isinstance(node, ast.And) else or_
        return join(to_sql(node.lhs, columns, depth + 1), to_sql(node.rhs, columns, depth + 1))
    if isinstance(node, ast.Not):
        return not_(to_sql(node.sub_node, columns, depth + 1))
    if isinstance(node, bool):
        return and_(True) if node else or_(False)
    op = _COMPARE.get(type(node))
    if op is not None:
        return _compare(op, node.lhs, node.rhs, columns)
    if isinstance(node, ast.Like):
        col, kind = _column(node.lhs, columns)
        if kind != "string" or not isinstance(node.pattern, str):
            raise _bad("LIKE takes a text property and a text pattern")
        cond = col.like(node.pattern)
        return not_(cond) if node.not_ else cond
    if isinstance(node, ast.In):
        col, kind = _column(node.lhs, columns)
        values = [_literal(v, kind) for v in node.sub_nodes]
        return col.not_in(values) if node.not_ else col.in_(values)
    if isinstance(node, ast.Between):
        col, kind = _column(node.lhs, columns)
        cond = col.between(_literal(node.low, kind), _literal(node.high, kind))
        return not_(cond) if node.not_ else cond
    if isinstance(node, ast.IsNull):
        col, _ = _column(node.lhs, columns)
        return col.is_not(None) if node.not_ else col.is_(None)
    raise _bad(f"{type(node).__name__} is not supported (Basic CQL2 only)")


def _compare(op: Callable[[Any, Any], Any], lhs: Any, rhs: Any, columns: Columns) -> Any:
    """A comparison of a queryable with a literal, in either order (``5 < households`` too)."""
    if isinstance(lhs, ast.Attribute):
        col, kind = _column(lhs, columns)
        return op(col, _literal(rhs, kind))
    if isinstance(rhs, ast.Attribute):
        col, kind = _column(rhs, columns)
        return op(_literal(lhs, kind), col)
    raise _bad("a comparison needs a queryable on one side")


def _column(node: Any, columns: Columns) -> tuple[Any, str]:
    """The column and type of a queryable; 400 for anything that is not one of them."""
    if not isinstance(node, ast.Attribute):
        raise _bad("expected a queryable property name")
    if node.name not in columns:
        raise _bad(f"unknown queryable {node.name!r}; see the collection's queryables")
    return columns[node.name]


def _literal(node: Any, kind: str) -> Any:
    """A literal value of the queryable's type (a number for a number, an aware time for a
    time...); 400 for anything else, so no value reaches SQL that its column cannot take."""
    if kind == "date-time":
        return _moment(node)
    if kind == "boolean" and isinstance(node, bool):
        return node
    if kind == "integer" and isinstance(node, int) and not isinstance(node, bool):
        if -(2**63) <= node < 2**63:
            return node
    if kind == "number" and isinstance(node, int | float) and not isinstance(node, bool):
        if math.isfinite(node):
            return node
    if kind == "string" and isinstance(node, str):
        return node
    raise _bad(f"expected a {kind} value, got {node!r}")


def _moment(node: Any) -> datetime:
    """A CQL2 TIMESTAMP/DATE (or ISO text) as an aware time; 400 otherwise."""
    if isinstance(node, str):
        try:
            node = datetime.fromisoformat(node)
        except ValueError as e:
            raise _bad(f"expected a time, got {node!r}") from e
    if isinstance(node, datetime):
        moment = node if node.tzinfo is not None else node.replace(tzinfo=UTC)
    elif isinstance(node, date):
        moment = datetime(node.year, node.month, node.day, tzinfo=UTC)
    else:
        raise _bad(f"expected a time, got {node!r}")
    if not MIN_TIME <= moment < MAX_TIME:
        raise _bad("times must lie between 1900 and 2200")
    return moment.astimezone(UTC)
