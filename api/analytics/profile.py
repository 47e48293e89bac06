"""The police view's charts over the heat pre-aggregate: records per week (with the same weeks a
year before), per local hour × weekday, and per category, for the heat filters.

One SQL query per period sums ``heat_counts`` by day, kind and category (24 hour columns kept),
within the caller's scope; ``grid.analysis.timeprofile`` does the rest. The hour × weekday
matrix ignores the hour and weekday filters, so it shows what a click on it would choose from.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import grid.analysis.timeprofile as gtime
from api.accounts.access import Scope
from api.analytics.filters import Days, HeatFilter
from api.analytics.heatquery import scoped
from api.models.analytics import HOURS, heat_counts


def daily(session: Session, scope: Scope, f: HeatFilter, days: Days) -> pd.DataFrame:
    """Counts per local day, kind and category in ``days`` with the 24 hour columns, for the
    filter's kinds and categories (hours and weekdays are applied by the caller)."""
    t = heat_counts
    q = select(t.c.day, t.c.kind, t.c.category, *(func.sum(t.c[h]).label(h) for h in HOURS))
    q = q.where(t.c.day >= days.start, t.c.day < days.end)
    if f.kinds is not None:
        q = q.where(t.c.kind.in_(list(f.kinds)))
    if f.categories is not None:
        q = q.where(t.c.category.in_(list(f.categories)))
    q = scoped(q.group_by(t.c.day, t.c.kind, t.c.category), scope)
    out = pd.DataFrame(session.execute(q).all(), columns=["day", "kind", "category", *HOURS])
    out[list(HOURS)] = out[list(HOURS)].fillna(0).astype("int64")
    out["day"] = pd.to_datetime(out["day"]).dt.date
    return out


def _chosen(frame: pd.DataFrame, f: HeatFilter) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows on the filter's weekdays and each one's count in the filter's hours."""
    if f.weekdays is not None and len(frame):
        frame = frame[pd.to_datetime(frame["day"]).dt.day_of_week.isin(f.weekdays).to_numpy()]
    return frame, gtime.hour_sums(frame, f.hours)


def profile(session: Session, scope: Scope, f: HeatFilter) -> dict[str, Any]:
    """Weekly counts against the same weeks last year, the hour × weekday matrix and the counts
    per category, for the heat filters."""
    now = daily(session, scope, f, f.days)
    base = f.days.last_year()
    then = daily(session, scope, f, base)
    a, na = _chosen(now, f)
    b, nb = _chosen(then, f)
    weeks = gtime.weekly(a["day"], na, f.days.start, f.days.end)
    before = gtime.weekly(b["day"], nb, base.start, base.end)["count"].to_numpy()
    weeks["last_year"] = np.resize(before, len(weeks)) if len(before) else 0
    wd = pd.to_datetime(now["day"]).dt.day_of_week.to_numpy() if len(now) else np.zeros(0, int)
    cats = a.assign(count=na).groupby(["kind", "category"], as_index=False)["count"].sum()
    cats = cats[cats["count"] > 0].sort_values("count", ascending=False)
    return {
        "from": f.days.start.isoformat(),
        "to": f.days.end.isoformat(),
        "last_year": {"from": base.start.isoformat(), "to": base.end.isoformat()},
        "total": int(na.sum()),
        "weekly": [
            {"week": w.isoformat(), "count": int(c), "last_year": int(p)}
            for w, c, p in zip(weeks["week"], weeks["count"], weeks["last_year"], strict=True)
        ],
        "matrix": gtime.hour_weekday(wd, now).tolist(),
        "categories": [
            {"kind": k, "category": c, "count": int(n)}
            for k, c, n in cats[["kind", "category", "count"]].itertuples(index=False)
        ],
    }
