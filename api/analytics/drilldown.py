"""Drill-down: the records behind a heat bin or a cell, as the user's role may see them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.analytics.filters import HeatFilter
from api.analytics.heatagg import local_slot
from api.errors import NotFound
from api.models import Record
from api.records.view import records_json


def _matching(session: Session, scope: Scope, f: HeatFilter, q: Any, limit: int) -> list[Record]:
    """Records of ``q`` in scope and in the filter's days, kinds, categories, hours, weekdays."""
    start, end = f.days.bounds()
    q = q.where(Record.occurred_at >= start, Record.occurred_at < end)
    q = scope.visible(q, Record)
    if f.kinds is not None:
        q = q.where(Record.kind.in_(list(f.kinds)))
    if f.categories is not None:
        q = q.where(Record.category.in_(list(f.categories)))
    out = []
    for rec in session.scalars(q.order_by(Record.occurred_at.desc())):
        day, hour = local_slot(rec.occurred_at)
        if (f.hours is None or hour in f.hours) and (
            f.weekdays is None or day.weekday() in f.weekdays
        ):
            out.append(rec)
            if len(out) >= limit:
                break
    return out


def bin_records(
    session: Session, scope: Scope, f: HeatFilter, fine: list[str], limit: int
) -> list[dict[str, Any]]:
    """The records in the fine H3 bins ``fine`` (those inside the clicked bin), masked by role."""
    if not fine:
        return []
    recs = _matching(session, scope, f, select(Record).where(Record.h3.in_(fine)), limit)
    return records_json(session, scope, recs)


def cell_records(
    session: Session, scope: Scope, f: HeatFilter, code: str, limit: int
) -> list[dict[str, Any]]:
    """The records of cell ``code`` in the filter, masked by role; 404 for a cell out of sight."""
    if (
        scope.cells is not None
        and code not in scope.cells
        or (scope.communities is not None and code[:12] not in scope.communities)
    ):
        raise NotFound(f"no cell {code} among yours", ("path", "code"))
    recs = _matching(session, scope, f, select(Record).where(Record.cell_code == code), limit)
    return records_json(session, scope, recs)
