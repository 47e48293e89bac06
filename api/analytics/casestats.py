"""Issue 13's KPIs over the store's rows (rectification, satisfaction, screening, mediation),
computed by ``grid.analysis.casekpis`` and merged into ``/stats/kpis`` rows."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

import grid.analysis.casekpis as ck
from api.accounts.access import Scope
from api.models import Mediation, Rating, Record, Rectification, Screening

COUNTS = (
    "rectification_due",
    "rectified",
    "rectified_on_time",
    "rated",
    "satisfied",
    "screenings",
    "screenings_nothing_found",
    "mediations_ended",
    "mediations_settled",
    "mass_incidents",
)

# The columns the street office's table, its exports and the report show, with their labels.
TABLE_COLS = (
    "rectification_due",
    "rectified",
    "rectification_rate",
    "on_time_rectification_rate",
    "rated",
    "satisfied",
    "satisfaction_rate",
    "screenings",
    "screenings_nothing_found",
    "mediations_ended",
    "mediation_success_rate",
    "mass_incidents",
)
_TARGET = f"{ck.residents.SATISFACTION_TARGET:.0%}"
LABELS = {
    "rectification_due": ("应整改隐患", "Hazards due"),
    "rectified": ("已整改销号", "Rectified"),
    "rectified_on_time": ("按期整改", "Rectified on time"),
    "rectification_rate": ("整改率", "Rectification rate"),
    "on_time_rectification_rate": ("按期整改率", "On-time rectification rate"),
    "rated": ("已评价案件", "Rated cases"),
    "satisfied": ("满意案件", "Satisfied"),
    "satisfaction_rate": (f"居民满意率（目标≥{_TARGET}）", f"Satisfaction (target ≥{_TARGET})"),
    "screenings": ("矛盾纠纷排查次数", "Screening rounds"),
    "screenings_nothing_found": ("排查无纠纷次数", "Rounds with nothing found"),
    "mediations_ended": ("调解结束", "Mediations ended"),
    "mediation_success_rate": ("调解成功率", "Mediation success rate"),
    "mass_incidents": ("群体性事件", "Mass incidents"),
}


def _frame(session: Session, q: object, cols: list[str], times: list[str]) -> pd.DataFrame:
    """Rows of ``q`` as a DataFrame with ``times`` as UTC datetimes."""
    df = pd.DataFrame(session.execute(q).all(), columns=cols)  # type: ignore[call-overload]
    for c in times:
        df[c] = pd.to_datetime(df[c], utc=True)
    return df


def _frames(session: Session, scope: Scope) -> dict[str, pd.DataFrame]:
    """The rows each KPI reads, limited to what ``scope`` may see."""
    place = ["cell_code", "community_code"]
    rect_cols = ["stage", "ordered_at", "deadline", "closed_at"]
    rects = _frame(
        session,
        scope.visible(
            select(*(getattr(Rectification, c) for c in place + rect_cols)), Rectification
        ),
        place + rect_cols,
        ["ordered_at", "deadline", "closed_at"],
    )
    ratings = _frame(
        session,
        scope.visible(
            select(
                Record.cell_code,
                Record.community_code,
                Rating.record_id,
                Rating.source,
                Rating.rating,
                Rating.at,
            ).join(Record, Record.id == Rating.record_id),
            Record,
        ),
        [*place, "record_id", "source", "rating", "at"],
        ["at"],
    )
    screenings = _frame(
        session,
        scope.visible(
            select(
                Screening.cell_code,
                Screening.community_code,
                Screening.at,
                Screening.disputes_found,
            ),
            Screening,
        ),
        [*place, "at", "disputes_found"],
        ["at"],
    )
    mediations = _frame(
        session,
        scope.visible(
            select(
                Record.cell_code,
                Record.community_code,
                Mediation.ended_at,
                Mediation.outcome,
                Mediation.mass_incident,
            ).join(Record, Record.id == Mediation.record_id),
            Record,
        ),
        [*place, "ended_at", "outcome", "mass_incident"],
        ["ended_at"],
    )
    return {"rects": rects, "ratings": ratings, "screenings": screenings, "mediations": mediations}


def case_kpis(
    session: Session,
    scope: Scope,
    start: datetime,
    end: datetime,
    key: str,
    leaders: dict[str, str],
) -> pd.DataFrame:
    """Issue 13's KPI columns per ``key`` (cell_code, leader or community_code), a row per group
    that has any of them (the caller merges with every group and fills zeros)."""
    f = _frames(session, scope)
    for df in f.values():
        df["leader"] = df["cell_code"].map(leaders)
    parts = [
        ck.rectification_kpis(f["rects"], start, end, by=key),
        ck.satisfaction(f["ratings"], start, end, by=key),
        ck.screening_kpis(f["screenings"], start, end, by=key),
        ck.mediation_kpis(f["mediations"], start, end, by=key),
    ]
    out = pd.DataFrame({key: pd.Series(dtype=object)})
    for part in parts:
        out = out.merge(part, on=key, how="outer")
    return out.drop(columns=["satisfaction_target"], errors="ignore")


def fill(out: pd.DataFrame) -> pd.DataFrame:
    """Counts as whole numbers (0 where a group had none) and the satisfaction target."""
    for col in COUNTS:
        out[col] = out[col].fillna(0).astype(int) if col in out else 0
    out["satisfaction_target"] = ck.residents.SATISFACTION_TARGET
    return out
