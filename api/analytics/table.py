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
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

import grid.analysis.counts as gcounts
from api.accounts.access import Scope
from api.analytics import casestats, verticals
from api.analytics.stats import KpiBy, kpis
from api.areas.leaders import leader_names, leaders_at
from api.io.spreadsheet import safe_cell, titled_xlsx
from api.models import Community, District, Place, Record, Street, utcnow
from api.periods import Days, Period
from api.register.counts import register_counts
from api.register.rules import today
from grid.analysis.heat import LOCAL_TZ
from grid.domain.catalog import RECORD_KINDS, RISK_LEVELS

KEYS = {KpiBy.CELL: "cell_code", KpiBy.LEADER: "leader", KpiBy.COMMUNITY: "community_code",
        KpiBy.VERTICAL: verticals.KEY}
# The case-loop KPIs as grid.analysis.counts defines them, then patrol coverage.
KPI_COLS = (*gcounts.KPI_COLUMNS, "places", "visited", "patrol_coverage", *casestats.TABLE_COLS)
LABELS = {  # column → (zh, en)
    "cell_code": ("网格编码", "Cell"),
    "vertical_code": ("楼栋网格编码", "Vertical cell"),
    "building": ("楼栋", "Building"),
    "unit_from": ("起始单元", "From unit"),
    "unit_to": ("终止单元", "To unit"),
    "floor_from": ("起始楼层", "From floor"),
    "floor_to": ("终止楼层", "To floor"),
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
    "community_name": ("社区", "Community name"),
    "leader_name": ("网格长姓名", "Leader name"),
    "households": ("户数", "Households"),
    "covered": ("已覆盖户数", "Covered"),
    "uncovered": ("未覆盖户数", "Uncovered"),
    "share": ("覆盖率", "Share covered"),
    **casestats.LABELS,
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
    """One row per cell, leader or community: records per kind, KPIs, places by risk level; per
    vertical cell: records per kind and the case-loop KPIs (``api.analytics.verticals``)."""
    if by == KpiBy.VERTICAL:
        return verticals.table(session, scope, start, end)
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
    got = kpis(scope=scope, session=session, period=Period(start, end), by=by, register=False)[
        "rows"
    ]  # the register's columns come from _with_register below, once
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
    out = casestats.fill(out)
    cols = [key, *kinds, "total", *KPI_COLS, *[f"places_{r.value}" for r in RISK_LEVELS]]
    if by in REGISTER_BY:  # the register's counts today beside the period's work
        out = _with_register(session, scope, out, key, REGISTER_BY[by])
        cols += list(REGISTER_COLS)
    out = out[cols].dropna(subset=[key]).sort_values(key).reset_index(drop=True)
    return _with_names(session, out, by, min(end, utcnow()))


def _with_names(session: Session, frame: pd.DataFrame, by: KpiBy, at: datetime) -> pd.DataFrame:
    """The table with the community's and the leader's names beside the codes (the leader's
    display name, else the username)."""
    key = KEYS[by]
    users = leaders_at(session, at)
    people = {u.username: u.display_name or u.username for u in users.values()}
    if by == KpiBy.LEADER:
        frame.insert(1, "leader_name", frame[key].map(people).fillna(""))
        return frame
    names = dict(session.execute(select(Community.code, Community.name)).all())
    community = frame[key].str[:12] if by == KpiBy.CELL else frame[key]
    frame.insert(1, "community_name", community.map(names).fillna(""))
    if by == KpiBy.CELL:
        leader = {c: people[u.username] for c, u in users.items()}
        frame.insert(2, "leader_name", frame[key].map(leader).fillna(""))
    return frame


TEXT_COLUMNS = ("cell_code", "leader", "community_code", "community_name", "leader_name",
                "vertical_code", "building")


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


def _format(col: str) -> str | None:
    """The spreadsheet number format of a column: percent for rates, whole numbers for counts."""
    if col in TEXT_COLUMNS:
        return None
    return "0.0%" if col.endswith("rate") or col == "patrol_coverage" else "#,##0"


def title(session: Session, scope: Scope, by: KpiBy, period: Days, lang: str) -> str:
    """The export's title row: district(s), what a row is, the period (inclusive days) and when
    it was generated, in local time (Asia/Shanghai)."""
    q = select(District.name).join(Street).join(Community).distinct().order_by(District.name)
    if scope.communities is not None:
        q = q.where(Community.code.in_(sorted(scope.communities)))
    districts = "、".join(n for (n,) in session.execute(q).all())
    last = period.end - timedelta(days=1)
    now = datetime.now(ZoneInfo(LOCAL_TZ)).strftime("%Y-%m-%d %H:%M")
    row = LABELS[KEYS[by]][1 if lang == "en" else 0]
    if lang == "en":
        return (
            f"{districts} · by {row.lower()} · {period.start} to {last} · generated {now} (UTC+8)"
        )
    return f"{districts} · 按{row} · {period.start} 至 {last} · 生成于 {now}（北京时间）"


def to_xlsx(frame: pd.DataFrame, lang: str, heading: str) -> bytes:
    """The table as an XLSX workbook under its ``heading`` (``api.io.spreadsheet.titled_xlsx``:
    frozen header, widths, number formats)."""
    body = [list(r.values()) for r in rows(frame)]
    return titled_xlsx(heading, headers(frame, lang), body, [_format(c) for c in frame.columns])
