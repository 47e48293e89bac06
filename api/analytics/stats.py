"""Counts per cell and case-loop KPIs, computed by grid.counts over the store's rows."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

import pandas as pd
from fastapi import Query
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

import grid.analysis.counts as gcounts
from api.accounts.access import Scope
from api.checks import check_filter_category
from api.dependencies import PeriodDep, ScopeDep, SessionDep
from api.errors import InvalidInput
from api.models import Cell, Checkin, LeaderAssignment, Place, Record, User, utcnow
from grid.domain.caseflow import Status
from grid.domain.catalog import RecordKind, kinds_with


class CountBy(StrEnum):
    """Grouping of /stats/counts."""

    CELL = "cell"
    COMMUNITY = "community"


class KpiBy(StrEnum):
    """Grouping of /stats/kpis."""

    CELL = "cell"
    LEADER = "leader"
    COMMUNITY = "community"


def cells_in_period(
    session: Session, scope: Scope, start: datetime | None, end: datetime | None
) -> pd.DataFrame:
    """Code and community of every cell valid at some time in [start, end)."""
    q = select(Cell.code, Cell.community_code).distinct()
    if end is not None:
        q = q.where(Cell.valid_from < end)
    if start is not None:
        q = q.where(or_(Cell.valid_to.is_(None), Cell.valid_to > start))
    df = pd.DataFrame(session.execute(q).all(), columns=["cell_code", "community_code"])
    if scope.cells is not None:
        df = df[df.cell_code.isin(scope.cells)]
    if scope.communities is not None:
        df = df[df.community_code.isin(scope.communities)]
    return df


def _clean(value: Any) -> Any:
    """JSON-safe scalar: NaN → None, numpy → Python."""
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _rows(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as JSON rows."""
    return [{k: _clean(v) for k, v in row.items()} for row in df.to_dict("records")]


def leaders_at(session: Session, at: datetime) -> dict[str, str]:
    """The username leading each cell at ``at``."""
    rows = session.execute(
        select(LeaderAssignment.cell_code, User.username)
        .join(User, User.id == LeaderAssignment.user_id)
        .where(
            LeaderAssignment.started_at <= at,
            or_(LeaderAssignment.ended_at.is_(None), LeaderAssignment.ended_at > at),
        )
    )
    return dict(rows.all())


def counts(
    scope: ScopeDep,
    session: SessionDep,
    period: PeriodDep,
    by: CountBy = CountBy.CELL,
    kind: RecordKind | None = None,
    category: str | None = None,
    status: Status | None = None,
) -> dict[str, Any]:
    """Records per cell (or community) in the period, over the cells valid then (zeros included)."""
    if category is not None:
        check_filter_category([kind.value] if kind else None, category, ("query", "category"))
    q = scope.visible(
        select(
            Record.cell_code,
            Record.community_code,
            Record.kind,
            Record.category,
            Record.status,
            Record.occurred_at,
        ),
        Record,
    )
    if period.start:
        q = q.where(Record.occurred_at >= period.start)
    if period.end:
        q = q.where(Record.occurred_at < period.end)
    cols = ["cell_code", "community_code", "kind", "category", "status", "occurred_at"]
    records = pd.DataFrame(session.execute(q).all(), columns=cols)
    filters = {k: v for k, v in (("kind", kind), ("category", category), ("status", status)) if v}
    key = "cell_code" if by == CountBy.CELL else "community_code"
    got = gcounts.counts(
        records,
        by=key,
        period_start=period.start,
        period_end=period.end,
        filters={k: str(v) for k, v in filters.items()},
    )
    cells = cells_in_period(session, scope, period.start, period.end)
    frame = cells if by == CountBy.CELL else cells[["community_code"]].drop_duplicates()
    out = frame.merge(got, on=key, how="outer").fillna({"count": 0})
    out["count"] = out["count"].astype(int)
    return {
        "by": by.value,
        "from": period.start,
        "to": period.end,
        "counts": _rows(out.sort_values(key)),
    }


def kpis(
    scope: ScopeDep,
    session: SessionDep,
    period: PeriodDep,
    by: KpiBy = KpiBy.CELL,
    days: Annotated[
        int, Query(ge=1, le=3660, description="period length when from is not given")
    ] = 30,
) -> dict[str, Any]:
    """Closure rate, on-time closure rate and patrol coverage per cell, leader or community."""
    end = period.end or utcnow()
    start = period.start or end - timedelta(days=days)
    if end <= start:
        raise InvalidInput("'from' must be before now when 'to' is not given", ("query", "from"))
    q = scope.visible(
        select(
            Record.cell_code,
            Record.community_code,
            Record.status,
            Record.priority,
            Record.dispatched_at,
            Record.closed_at,
            Record.deadline,
        ).where(Record.kind.in_([k.value for k in kinds_with("case_loop")])),
        Record,
    )
    cases = pd.DataFrame(
        session.execute(q).all(),
        columns=[
            "cell_code",
            "community_code",
            "status",
            "priority",
            "dispatched_at",
            "closed_at",
            "deadline",
        ],
    )
    places = pd.DataFrame(
        session.execute(
            scope.visible(select(Place.id, Place.cell_code, Place.community_code), Place)
        ).all(),
        columns=["id", "cell_code", "community_code"],
    )
    checkins = pd.DataFrame(
        session.execute(
            select(Checkin.place_id, Checkin.at).where(Checkin.place_id.is_not(None))
        ).all(),
        columns=["place_id", "at"],
    )
    leaders = leaders_at(session, min(end, utcnow()))
    key = {KpiBy.CELL: "cell_code", KpiBy.LEADER: "leader", KpiBy.COMMUNITY: "community_code"}[by]
    for df in (cases, places):
        df["leader"] = df["cell_code"].map(leaders)
    for col in ("dispatched_at", "closed_at", "deadline"):
        cases[col] = pd.to_datetime(cases[col], utc=True)
    checkins["at"] = pd.to_datetime(checkins["at"], utc=True)
    k = gcounts.kpis(cases, start, end, by=key)
    cov = gcounts.patrol_coverage(places, checkins, by=key, period_start=start, period_end=end)
    groups = cells_in_period(session, scope, start, end)
    groups["leader"] = groups["cell_code"].map(leaders)
    frame = groups[[key]].dropna().drop_duplicates()
    out = frame.merge(k, on=key, how="outer").merge(
        cov.rename(columns={"coverage": "patrol_coverage"}), on=key, how="outer"
    )
    for col in ("due", "closed", "on_time_closed", "overdue_open", "places", "visited"):
        out[col] = out[col].fillna(0).astype(int)
    return {"by": by.value, "from": start, "to": end, "rows": _rows(out.sort_values(key))}
