"""KPIs of issue 13's loops per cell, leader or community: rectification rate and on-time
rectification rate (整改率, 按期整改率), residents' satisfaction beside the policy target, screening
rounds with "nothing found" counted, and mediation outcomes.

Periods are half-open ``[start, end)``, times timezone-aware. A rectification is *due* in the
period by the same rule as a case (``grid.analysis.counts``: its deadline falls in the period, or
fell before it and it was still open, or it was closed in the period); ``rectified`` and
``rectified_on_time`` are the due ones closed by the period's end and closed by their deadline.
Satisfaction counts each case once, by its resident's own rating when there is one, else its
latest phone call-back, when that rating was given in the period; ``satisfaction_rate`` is the
share rated satisfied (grid.domain.residents.RATINGS), NaN when nothing was rated.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from grid.analysis.counts import _aware, _group_cols, _times, due_flags
from grid.domain import mediation, rectification, residents
from grid.domain.caseflow import Status

RECT_COLUMNS = (
    "rectification_due",
    "rectified",
    "rectified_on_time",
    "rectification_rate",
    "on_time_rectification_rate",
)
SATISFACTION_COLUMNS = ("rated", "satisfied", "satisfaction_rate")


def _rate(num: pd.Series, den: pd.Series) -> pd.Series:
    """``num / den`` with NaN where ``den`` is 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return num / den.where(den > 0)


def rectification_kpis(
    rects: pd.DataFrame,
    period_start: datetime,
    period_end: datetime,
    by: str | Sequence[str] = "cell_code",
    now: datetime | None = None,
) -> pd.DataFrame:
    """Due, rectified and rectified-on-time hazards with both rates per group of ``by``.

    ``rects`` columns: ``stage`` (grid.domain.rectification), ``ordered_at``, ``deadline``,
    ``closed_at`` and the ``by`` columns.
    """
    cols = _group_cols(rects, by, "rectifications")
    closed = {s.value for s, i in rectification.STAGES.items() if i.is_closed}
    as_cases = pd.DataFrame(
        {
            # the case loop's due rule, read through the stage's open/closed flags
            "status": np.where(rects["stage"].isin(closed), Status.CLOSED, Status.DISPATCHED),
            "priority": None,
            "dispatched_at": _times(rects, "ordered_at", "rectifications"),
            "deadline": _times(rects, "deadline", "rectifications"),
            "closed_at": _times(rects, "closed_at", "rectifications"),
        },
        index=rects.index,
    )
    flags = due_flags(as_cases, period_start, period_end, now)
    out = flags[["due", "closed", "on_time_closed"]].astype(np.int64)
    out = out.groupby([rects[c] for c in cols], dropna=False).sum()
    out.index.names = cols
    out.columns = ["rectification_due", "rectified", "rectified_on_time"]
    out["rectification_rate"] = _rate(out["rectified"], out["rectification_due"])
    out["on_time_rectification_rate"] = _rate(out["rectified_on_time"], out["rectification_due"])
    return out[list(RECT_COLUMNS)].reset_index()


def satisfaction(
    ratings: pd.DataFrame,
    period_start: datetime,
    period_end: datetime,
    by: str | Sequence[str] = "cell_code",
) -> pd.DataFrame:
    """Rated cases, satisfied ones and the satisfaction rate per group, with the policy target.

    ``ratings`` columns: ``record_id``, ``source`` (resident or callback), ``rating``, ``at`` and
    the ``by`` columns (the case's cell, leader or community).
    """
    cols = _group_cols(ratings, by, "ratings")
    at = _times(ratings, "at", "ratings")
    keep = (at >= _aware(period_start, "period_start")) & (at < _aware(period_end, "period_end"))
    r = ratings.loc[keep].assign(_at=at[keep], _own=ratings.loc[keep, "source"] == "resident")
    # one rating per case: its resident's own, else its latest call-back
    r = r.sort_values(["record_id", "_own", "_at"]).groupby("record_id", sort=False).tail(1)
    r = r.assign(_sat=r["rating"].isin(residents.satisfied_codes()).astype(np.int64))
    out = r.groupby(cols, dropna=False)["_sat"].agg(rated="size", satisfied="sum")
    out["satisfaction_rate"] = _rate(out["satisfied"], out["rated"])
    out = out.reset_index()
    out["satisfaction_target"] = residents.SATISFACTION_TARGET
    return out[[*cols, *SATISFACTION_COLUMNS, "satisfaction_target"]]


def screening_kpis(
    screenings: pd.DataFrame,
    period_start: datetime,
    period_end: datetime,
    by: str | Sequence[str] = "cell_code",
) -> pd.DataFrame:
    """Screening rounds per group in the period and how many found nothing (columns ``at``,
    ``disputes_found`` and the ``by`` columns); a group absent here was never screened."""
    cols = _group_cols(screenings, by, "screenings")
    at = _times(screenings, "at", "screenings")
    keep = (at >= _aware(period_start, "period_start")) & (at < _aware(period_end, "period_end"))
    s = screenings.loc[keep]
    nothing = (s["disputes_found"] == 0).astype(np.int64)
    out = nothing.groupby([s[c] for c in cols], dropna=False).agg(["size", "sum"])
    out.columns = ["screenings", "screenings_nothing_found"]
    out.index.names = cols
    return out.reset_index()


def mediation_kpis(
    mediations: pd.DataFrame,
    period_start: datetime,
    period_end: datetime,
    by: str | Sequence[str] = "cell_code",
) -> pd.DataFrame:
    """Mediations ended in the period, those settled, the settlement rate and mass incidents
    (columns ``ended_at``, ``outcome``, ``mass_incident`` and the ``by`` columns)."""
    cols = _group_cols(mediations, by, "mediations")
    at = _times(mediations, "ended_at", "mediations")
    keep = (at >= _aware(period_start, "period_start")) & (at < _aware(period_end, "period_end"))
    m = mediations.loc[keep]
    settled = {o.term.code for o in mediation.OUTCOMES if o.resolved}
    frame = pd.DataFrame(
        {
            "mediations_ended": 1,
            "mediations_settled": m["outcome"].isin(settled).astype(np.int64),
            "mass_incidents": m["mass_incident"].astype(bool).astype(np.int64),
        },
        index=m.index,
    )
    out = frame.groupby([m[c] for c in cols], dropna=False).sum()
    out.index.names = cols
    out["mediation_success_rate"] = _rate(out["mediations_settled"], out["mediations_ended"])
    return out.reset_index()
