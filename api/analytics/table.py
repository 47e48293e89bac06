"""The street office's table: record counts and KPIs per cell, leader or community, and its export.

Counts come from ``grid.analysis.counts.counts``; closure rates and patrol coverage from the KPI
endpoint (which calls ``grid.analysis.counts.kpis`` and ``patrol_coverage``); places by risk level
from ``grid.analysis.counts.counts`` over the places. Exports are UTF-8 CSV with a BOM (so Excel
reads Chinese) and XLSX written by openpyxl.
"""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime
from typing import Any

import pandas as pd
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

import grid.analysis.counts as gcounts
from api.accounts.access import Scope
from api.analytics.stats import KpiBy, kpis
from api.areas.leaders import leader_names
from api.io.spreadsheet import safe_cell
from api.models import Place, Record, utcnow
from api.periods import Period
from api.register.counts import register_counts
from api.register.rules import today
from grid.domain.catalog import RECORD_KINDS, RISK_LEVELS

KEYS = {KpiBy.CELL: "cell_code", KpiBy.LEADER: "leader", KpiBy.COMMUNITY: "community_code"}
# The case-loop KPIs as grid.analysis.counts defines them, then patrol coverage.
KPI_COLS = (*gcounts.KPI_COLUMNS, "places", "visited", "patrol_coverage")
LABELS = {  # column → (zh, en)
    "cell_code": ("网格编码", "Cell"),
    "leader": ("网格长", "Leader"),
    "community_code": ("社区编码", "Community"),
    "total": ("记录合计", "Records"),
    "due": ("应办结", "Due"),
    "closed": ("已办结", "Closed"),
    "on_time_closed": ("按期办结", "Closed on time"),
    "overdue_open": ("超期未结", "Overdue open"),
    "closure_rate": ("办结率", "Closure rate"),
    "on_time_closure_rate": ("按期办结率", "On-time closure rate"),
    "places": ("场所数", "Places"),
    "visited": ("已巡查场所", "Places visited"),
    "patrol_coverage": ("巡查覆盖率", "Patrol coverage"),
    "name": ("名称", "Name"),
    "households": ("户数", "Households"),
    "covered": ("已覆盖户数", "Covered"),
    "uncovered": ("未覆盖户数", "Uncovered"),
    "share": ("覆盖率", "Share covered"),
    "reg_households": ("登记户数", "Registered households"),
    "residents": ("实有人口", "Residents"),
    "floating": ("流动人口", "Floating population"),
    "vacant_rooms": ("空置房屋", "Vacant rooms"),
    "rented_rooms": ("出租房屋", "Rented rooms"),
    **{k.value: (t.zh, t.en) for k, t in RECORD_KINDS.items()},
    **{
        f"places_{k.value}": (f"{t.zh}场所", f"Places: {t.en.lower()}")
        for k, t in RISK_LEVELS.items()
    },
}


def _pivot(
    frame: pd.DataFrame, key: str, col: str, values: list[str], prefix: str = ""
) -> pd.DataFrame:
    """Counts per ``key`` × ``col`` as one column per value (zeros filled)."""
    wide = frame.pivot_table(index=key, columns=col, values="count", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=values, fill_value=0)
    wide.columns = [prefix + c for c in values]
    return wide.reset_index()


def table(
    session: Session, scope: Scope, by: KpiBy, start: datetime, end: datetime
) -> pd.DataFrame:
    """One row per cell, leader or community: records per kind, KPIs, places by risk level."""
    key = KEYS[by]
    leaders = leader_names(session, min(end, utcnow()))
    q = scope.visible(
        select(Record.cell_code, Record.community_code, Record.kind, Record.occurred_at).where(
            Record.occurred_at >= start, Record.occurred_at < end
        ),
        Record,
    )
    recs = pd.DataFrame(
        session.execute(q).all(), columns=["cell_code", "community_code", "kind", "occurred_at"]
    )
    recs["leader"] = recs["cell_code"].map(leaders)
    recs["occurred_at"] = pd.to_datetime(recs["occurred_at"], utc=True)
    kinds = [k.value for k in RECORD_KINDS]
    counted = gcounts.counts(recs, by=[key, "kind"], period_start=start, period_end=end)
    places = pd.DataFrame(
        session.execute(
            scope.visible(select(Place.cell_code, Place.community_code, Place.risk_level), Place)
        ).all(),
        columns=["cell_code", "community_code", "risk_level"],
    )
    places["leader"] = places["cell_code"].map(leaders)
    risk = gcounts.counts(places, by=[key, "risk_level"])
    got = kpis(scope=scope, session=session, period=Period(start, end), by=by)["rows"]
    out = pd.DataFrame(got, columns=[key, *KPI_COLS])  # typed columns even when there are none
    out = out.merge(_pivot(counted, key, "kind", kinds), on=key, how="outer")
    out = out.merge(
        _pivot(risk, key, "risk_level", [r.value for r in RISK_LEVELS], "places_"),
        on=key,
        how="left",
    )
    count_cols = kinds + [f"places_{r.value}" for r in RISK_LEVELS]
    out[count_cols] = out[count_cols].fillna(0).astype(int)
    out["total"] = out[kinds].sum(axis=1)
    for col in ("due", "closed", "on_time_closed", "overdue_open", "places", "visited"):
        out[col] = out[col].fillna(0).astype(int)
    cols = [key, *kinds, "total", *KPI_COLS, *[f"places_{r.value}" for r in RISK_LEVELS]]
    if by in REGISTER_BY:  # the register's counts today beside the period's work
        out = _with_register(session, scope, out, key, REGISTER_BY[by])
        cols += list(REGISTER_COLS)
    return out[cols].dropna(subset=[key]).sort_values(key).reset_index(drop=True)


REGISTER_BY = {KpiBy.CELL: "cell", KpiBy.COMMUNITY: "community"}
REGISTER_COLS = {  # column of the table → column of api.register.counts
    "reg_households": "households",
    "residents": "residents",
    "floating": "floating",
    "vacant_rooms": "vacant_rooms",
    "rented_rooms": "rented_rooms",
}


def _with_register(
    session: Session, scope: Scope, out: pd.DataFrame, key: str, level: str
) -> pd.DataFrame:
    """``out`` with the register's households, residents, floating population, vacant and
    rented rooms per row today (0 where no register is loaded)."""
    counted = pd.DataFrame(
        register_counts(session, scope, level, today()),
        columns=["code", *REGISTER_COLS.values()],
    ).rename(columns={"code": key, **{v: k for k, v in REGISTER_COLS.items()}})
    out = out.merge(counted[[key, *REGISTER_COLS]], on=key, how="left")
    out[list(REGISTER_COLS)] = out[list(REGISTER_COLS)].fillna(0).astype(int)
    return out


def rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The table as JSON rows (NaN rates → null)."""

    def clean(v: Any) -> Any:
        v = v.item() if hasattr(v, "item") else v
        return None if isinstance(v, float) and math.isnan(v) else v

    return [{k: clean(v) for k, v in r.items()} for r in frame.to_dict("records")]


def headers(frame: pd.DataFrame, lang: str) -> list[str]:
    """Column headings in ``lang`` (zh or en)."""
    i = 1 if lang == "en" else 0
    return [LABELS.get(c, (c, c))[i] for c in frame.columns]


def to_csv(frame: pd.DataFrame, lang: str) -> bytes:
    """The table as UTF-8 CSV with a byte-order mark; empty rates are empty cells."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers(frame, lang))
    for r in rows(frame):
        w.writerow(["" if v is None else safe_cell(v) for v in r.values()])
    return buf.getvalue().encode("utf-8-sig")


def to_xlsx(frame: pd.DataFrame, lang: str) -> bytes:
    """The table as an XLSX workbook (one sheet, rates formatted as percentages)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "analytics"
    ws.append(headers(frame, lang))
    for r in rows(frame):
        ws.append([safe_cell(v) for v in r.values()])
    for j, col in enumerate(frame.columns, start=1):
        if col.endswith("rate") or col == "patrol_coverage":
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = "0.0%"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
