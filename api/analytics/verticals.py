"""Counts and case KPIs per vertical cell (楼栋网格, issue 16): the rows of ``/stats/kpis`` and
the street office's table ``by=vertical``, one per vertical cell valid in the period, under its
2D cell, with the households of its stack and its leader when one is assigned.

Records and cases count in the vertical cell their floor and unit put them in (``vertical_code``);
patrol coverage and issue 13's KPIs stay per 2D cell (places have no floor), so these rows leave
them out rather than show zeros that would read as "none".
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

import grid.analysis.counts as gcounts
from api.accounts.access import Scope
from api.areas.leaders import leaders_at
from api.models import Community, Record, VerticalCell, utcnow
from grid.domain.catalog import RECORD_KINDS, kinds_with

KEY = "vertical_code"
#: The stack's columns each row carries, after its code.
STACK_COLS = ["cell_code", "community_code", "building", "households", "split",
              "unit_from", "unit_to", "floor_from", "floor_to"]
COUNT_COLS = ("due", "closed", "on_time_closed", "overdue_open")


def stacks_in_period(
    session: Session, scope: Scope, start: datetime | None, end: datetime | None
) -> pd.DataFrame:
    """Every vertical cell valid at some time in [start, end) that ``scope`` sees, its latest
    version in the period, in code order."""
    cols = [getattr(VerticalCell, c) for c in ["code", *STACK_COLS]]
    q = (select(*cols).where(VerticalCell.valid_during(start, end))
         .order_by(VerticalCell.valid_from, VerticalCell.id))
    q = scope.visible(q, VerticalCell)
    df = pd.DataFrame(session.execute(q).all(), columns=[KEY, *STACK_COLS])
    df = df.drop_duplicates(KEY, keep="last").sort_values(KEY).reset_index(drop=True)
    for c in ("unit_from", "unit_to", "floor_from", "floor_to"):  # whole numbers or None
        df[c] = pd.Series([None if pd.isna(v) else int(v) for v in df[c]], index=df.index,
                          dtype=object)
    return df


def _cases(session: Session, scope: Scope) -> pd.DataFrame:
    """The case-loop records in a vertical cell that ``scope`` sees, with the KPI dates (UTC)."""
    cols = [KEY, "status", "priority", "dispatched_at", "closed_at", "deadline"]
    q = scope.visible(
        select(*(getattr(Record, c) for c in cols)).where(
            Record.vertical_code.is_not(None),
            Record.kind.in_([k.value for k in kinds_with("case_loop")]),
        ),
        Record,
    )
    cases = pd.DataFrame(session.execute(q).all(), columns=cols)
    for col in cols[3:]:
        cases[col] = pd.to_datetime(cases[col], utc=True)
    return cases


def kpi_frame(session: Session, scope: Scope, start: datetime, end: datetime) -> pd.DataFrame:
    """One row per vertical cell of the period: its stack's columns, its leader's username (None
    when unassigned) and the case-loop KPIs of its cases (``grid.analysis.counts.kpis``)."""
    stacks = stacks_in_period(session, scope, start, end)
    k = gcounts.kpis(_cases(session, scope), start, end, by=KEY)
    out = stacks.merge(k, on=KEY, how="left")
    for col in COUNT_COLS:
        out[col] = out[col].fillna(0).astype(int)
    leaders = leaders_at(session, min(end, utcnow()), list(out[KEY]))
    out.insert(out.columns.get_loc("households") + 1, "leader",
               out[KEY].map({c: u.username for c, u in leaders.items()}))
    return out


def _record_counts(session: Session, scope: Scope, start: datetime, end: datetime
                   ) -> pd.DataFrame:
    """Records per vertical cell and kind in the period (``grid.analysis.counts.counts``), one
    column per kind of the catalogue."""
    q = scope.visible(
        select(Record.vertical_code, Record.kind, Record.occurred_at).where(
            Record.vertical_code.is_not(None),
            Record.occurred_at >= start, Record.occurred_at < end),
        Record,
    )
    recs = pd.DataFrame(session.execute(q).all(), columns=[KEY, "kind", "occurred_at"])
    recs["occurred_at"] = pd.to_datetime(recs["occurred_at"], utc=True)
    kinds = [k.value for k in RECORD_KINDS]
    counted = gcounts.counts(recs, by=[KEY, "kind"], period_start=start, period_end=end)
    wide = counted.pivot_table(index=KEY, columns="kind", values="count", aggfunc="sum",
                               fill_value=0).reindex(columns=kinds, fill_value=0)
    wide.columns = kinds
    return wide.reset_index()


def table(session: Session, scope: Scope, start: datetime, end: datetime) -> pd.DataFrame:
    """The street office's table by vertical cell: code, 2D cell, community, building,
    households, leader's name, records per kind and their total, the case-loop KPIs."""
    frame = kpi_frame(session, scope, start, end)
    kinds = [k.value for k in RECORD_KINDS]
    out = frame.merge(_record_counts(session, scope, start, end), on=KEY, how="left")
    out[kinds] = out[kinds].fillna(0).astype(int)
    out["total"] = out[kinds].sum(axis=1)
    names = dict(session.execute(select(Community.code, Community.name)).all())
    out["community_name"] = out["community_code"].map(names).fillna("")
    users = leaders_at(session, min(end, utcnow()), list(out[KEY]))
    out["leader_name"] = out[KEY].map(
        {c: u.display_name or u.username for c, u in users.items()}).fillna("")
    cols = [KEY, "cell_code", "community_name", "building", "households", "leader_name",
            "unit_from", "unit_to", "floor_from", "floor_to", *kinds, "total",
            *gcounts.KPI_COLUMNS]
    return out[cols].astype({"building": object}).reset_index(drop=True)
