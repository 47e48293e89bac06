"""SQL over the heat pre-aggregate: counts per bin or cell for a filter, rolled up in the database.

A district-wide request at a serving resolution reads ``heat_bins`` at that resolution: whole
calendar months from the monthly rows, the days before and after them from the daily rows (daily
rows only when weekdays are filtered), hours as the sum of the chosen hour columns, ``GROUP BY
h3`` in SQL. Requests limited to some cells or communities, finer resolutions and per-cell counts
read ``heat_counts`` (finest bins, with the cell code). Both tables are written by
``api.analytics.heatagg``.
"""

from __future__ import annotations

import operator
from datetime import date
from functools import reduce
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, false, func, select, true, union_all

from api.accounts.access import Scope
from api.analytics.filters import Days, HeatFilter
from api.models.analytics import HOURS, heat_bins, heat_counts
from grid.analysis.heat import bin_resolutions


def district_wide(scope: Scope) -> bool:
    """Whether the user sees every cell (so ``heat_bins``, which has no cell code, may serve)."""
    return scope.cells is None and scope.communities is None


def stored_resolution(res: int, finest: int) -> int | None:
    """The serving resolution ``heat_bins`` holds that rolls up to ``res`` most cheaply (the
    coarsest one at least as fine as ``res``), or None when only the finest bins will do."""
    finer = [r for r in bin_resolutions(finest) if r >= res]
    return min(finer) if finer else None


def month_split(days: Days) -> tuple[list[Days], Days | None]:
    """``days`` as the whole calendar months inside it (None if none) and the days around them."""
    first = days.start if days.start.day == 1 else _next_month(days.start)
    last = days.end.replace(day=1)
    if first >= last:
        return [days], None
    around = [d for d in (Days(days.start, first), Days(last, days.end)) if d.length > 0]
    return around, Days(first, last)


def _next_month(d: date) -> date:
    """The first day of the month after ``d``'s."""
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def value(table: Table, hours: tuple[int, ...] | None) -> ColumnElement[Any]:
    """A row's count in the chosen local hours: the total, or the sum of those hour columns."""
    if hours is None or len(hours) == 24:
        return table.c["count"]
    return reduce(operator.add, [table.c[HOURS[h]] for h in hours])


def _slices(table: Table, f: HeatFilter, *, weekdays: bool) -> list[ColumnElement[bool]]:
    """Conditions for the filter's kinds, categories and (when ``weekdays``) weekdays."""
    out: list[ColumnElement[bool]] = []
    for col, wanted in (("kind", f.kinds), ("category", f.categories)):
        if wanted is not None:
            out.append(table.c[col].in_(list(wanted)))
    if weekdays and f.weekdays is not None:
        out.append(table.c["weekday"].in_(list(f.weekdays)))
    return out


def _in(table: Table, days: Days) -> list[ColumnElement[bool]]:
    """Rows of the days (or month starts) in ``days``."""
    return [table.c["day"] >= days.start, table.c["day"] < days.end]


def bins_query(f: HeatFilter, res: int, *, slices: bool = True) -> Select[Any]:
    """Counts per H3 bin at serving resolution ``res`` (``h3``, ``count``) from ``heat_bins``."""
    t = heat_bins
    n = value(t, f.hours if slices else None)
    extra = _slices(t, f, weekdays=True) if slices else []
    weekdays = slices and f.weekdays is not None
    daily, months = ([f.days], None) if weekdays else month_split(f.days)
    parts = [
        select(t.c.h3, n.label("n")).where(
            t.c.res == res, t.c.monthly == false(), *_in(t, d), *extra
        )
        for d in daily
    ]
    if months is not None:
        parts.append(
            select(t.c.h3, n.label("n")).where(
                t.c.res == res, t.c.monthly == true(), *_in(t, months), *extra
            )
        )
    if len(parts) == 1:  # bins whose chosen hours are all empty are left out, as on the map
        q = parts[0].with_only_columns(t.c.h3, func.sum(n).label("count")).group_by(t.c.h3)
        return q.having(func.sum(n) > 0)
    u = union_all(*parts).subquery()
    total = func.sum(u.c.n)
    return select(u.c.h3, total.label("count")).group_by(u.c.h3).having(total > 0)


def scoped(q: Select[Any], scope: Scope) -> Select[Any]:
    """``q`` on heat_counts limited to the cells the user may see."""
    t = heat_counts
    if scope.cells is not None:
        q = q.where(t.c.cell_code.in_(sorted(scope.cells)))
    if scope.communities is not None:
        q = q.where(func.substr(t.c.cell_code, 1, 12).in_(sorted(scope.communities)))
    return q


def fine_query(scope: Scope, f: HeatFilter, by: str, *, slices: bool = True) -> Select[Any]:
    """Counts per ``by`` (``h3`` = finest bin, or ``cell_code``) from ``heat_counts``."""
    t = heat_counts
    n = value(t, f.hours if slices else None)
    q = select(t.c[by], func.sum(n).label("count")).group_by(t.c[by]).having(func.sum(n) > 0)
    q = q.where(*_in(t, f.days), *(_slices(t, f, weekdays=True) if slices else []))
    return scoped(q, scope)
