"""Counts per cell and case-loop KPIs, computed by grid.counts over the store's rows, each row
with the cell's households (registered where a register is loaded, else estimated) and the
register's counts (``api.register.cellstats``)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

import grid.analysis.counts as gcounts
from api.accounts.access import Scope
from api.analytics import casestats, verticals
from api.areas.leaders import leader_names
from api.checks import check_filter_category
from api.errors import InvalidInput
from api.models import Cell, Checkin, Place, Record, utcnow
from api.periods import Period
from api.register.cellstats import register_columns, register_day, with_register
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
    VERTICAL = "vertical"  # 楼栋网格: a row per vertical cell below its 2D cell


def cells_in_period(
    session: Session, scope: Scope, start: datetime | None, end: datetime | None
) -> pd.DataFrame:
    """Code and community of every cell valid at some time in [start, end)."""
    q = select(Cell.code, Cell.community_code).distinct().where(Cell.valid_during(start, end))
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


def counts(
    scope: Scope,
    session: Session,
    period: Period,
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
    day = register_day(period.end)
    out = with_register(out, register_columns(session, scope, key, day), key)
    return {
        "by": by.value,
        "from": period.start,
        "to": period.end,
        "register_on": day,
        "counts": _rows(out.sort_values(key)),
    }


def _cases(session: Session, scope: Scope) -> pd.DataFrame:
    """The case-loop records ``scope`` may see, with the dates the KPIs read (as UTC)."""
    cols = ["cell_code", "community_code", "status", "priority"]
    dates = ["dispatched_at", "closed_at", "deadline"]
    q = scope.visible(
        select(*(getattr(Record, c) for c in cols + dates)).where(
            Record.kind.in_([k.value for k in kinds_with("case_loop")])
        ),
        Record,
    )
    cases = pd.DataFrame(session.execute(q).all(), columns=cols + dates)
    for col in dates:
        cases[col] = pd.to_datetime(cases[col], utc=True)
    return cases


def _patrols(session: Session, scope: Scope) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The places ``scope`` may see and every check-in at a place (time as UTC)."""
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
    checkins["at"] = pd.to_datetime(checkins["at"], utc=True)
    return places, checkins


def kpi_period(period: Period, days: int) -> tuple[datetime, datetime]:
    """The KPI period: ``period``, ending now and lasting ``days`` where a bound is open."""
    end = period.end or utcnow()
    start = period.start or end - timedelta(days=days)
    if end <= start:
        raise InvalidInput("'from' must be before now when 'to' is not given", ("query", "from"))
    return start, end


def kpis(
    scope: Scope,
    session: Session,
    period: Period,
    by: KpiBy = KpiBy.CELL,
    days: int = 30,
    register: bool = True,
) -> dict[str, Any]:
    """Closure rate, on-time closure rate and patrol coverage per cell, leader or community, with
    a row for every group of a cell valid in the period (zeros included), with the register's
    columns unless ``register`` is false (the street table adds its own); per vertical cell the
    case-loop KPIs with the stack's households and the leader (``api.analytics.verticals``)."""
    start, end = kpi_period(period, days)
    if by == KpiBy.VERTICAL:
        rows = _rows(verticals.kpi_frame(session, scope, start, end))
        return {"by": by.value, "from": start, "to": end, "register_on": register_day(end),
                "rows": rows}
    cases = _cases(session, scope)
    places, checkins = _patrols(session, scope)
    leaders = leader_names(session, min(end, utcnow()))
    key = {KpiBy.CELL: "cell_code", KpiBy.LEADER: "leader", KpiBy.COMMUNITY: "community_code"}[by]
    for df in (cases, places):
        df["leader"] = df["cell_code"].map(leaders)
    k = gcounts.kpis(cases, start, end, by=key)
    cov = gcounts.patrol_coverage(places, checkins, by=key, period_start=start, period_end=end)
    groups = cells_in_period(session, scope, start, end)
    groups["leader"] = groups["cell_code"].map(leaders)
    frame = groups[[key]].dropna().drop_duplicates()
    out = frame.merge(k, on=key, how="outer").merge(
        cov.rename(columns={"coverage": "patrol_coverage"}), on=key, how="outer"
    )
    out = casestats.fill(
        out.merge(casestats.case_kpis(session, scope, start, end, key, leaders), on=key, how="left")
    )
    for col in ("due", "closed", "on_time_closed", "overdue_open", "places", "visited"):
        out[col] = out[col].fillna(0).astype(int)
    day = register_day(end)
    if register:
        out = with_register(out, register_columns(session, scope, key, day, leaders), key)
    rows = _rows(out.sort_values(key))
    return {"by": by.value, "from": start, "to": end, "register_on": day, "rows": rows}
