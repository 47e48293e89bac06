"""Counts of records and the case-loop KPIs per cell, leader or community (DESIGN §3, issue 5).

All time columns are timezone-aware datetimes; periods are half-open ``[start, end)``. What is
open, closed or cancelled, and each priority's deadline, come from ``grid.domain.caseflow``.

When a case is *due* in a period ``[start, end)``, with ``as_of = min(end, now)``:
a case is never due if it was not dispatched (no deadline clock) or its status is cancelled;
otherwise it is due when any of these holds —

1. its deadline falls in ``[start, as_of)``;
2. its deadline is before ``start`` and it was not closed before ``start`` (an overdue case carried
   into the period: a backlog keeps counting against the cell until it is closed);
3. it was closed in ``[start, as_of)`` (closed before its deadline came round).

A due case is *closed* when its status is closed (or later) and ``closed_at < as_of``; it is
closed *on time* when also ``closed_at <= deadline``. ``closure_rate = closed / due`` and
``on_time_closure_rate = on_time_closed / due`` (NaN for groups with nothing due).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from grid.domain.caseflow import DEADLINE_HOURS, STATUSES, Priority, Status
from grid.errors import InputError

KPI_COLUMNS = (
    "due",
    "closed",
    "on_time_closed",
    "overdue_open",
    "closure_rate",
    "on_time_closure_rate",
)


def _group_cols(df: pd.DataFrame, by: str | Sequence[str], source: str) -> list[str]:
    """``by`` as a list of columns of ``df``, or an InputError naming the missing one."""
    cols = [by] if isinstance(by, str) else list(by)
    for c in cols:
        if c not in df.columns:
            raise InputError(f"no column '{c}' to group by", source=source, field=c)
    return cols


def _require(df: pd.DataFrame, cols: Sequence[str], source: str) -> None:
    """Raise InputError when ``df`` lacks any of ``cols``."""
    for c in cols:
        if c not in df.columns:
            raise InputError(f"missing column '{c}'", source=source, field=c)


def _aware(value: datetime | pd.Timestamp, name: str) -> pd.Timestamp:
    """``value`` as a UTC Timestamp; naive datetimes are refused (their zone is unknowable)."""
    ts = pd.Timestamp(value)
    if ts.tzinfo is None:
        raise InputError(f"{name} must be timezone-aware, got {value!r}", field=name)
    return ts.tz_convert("UTC")


def _times(df: pd.DataFrame, col: str, source: str) -> pd.Series:
    """Column ``col`` as UTC datetimes (NaT where missing); naive values are refused."""
    s = df[col]
    if not isinstance(s.dtype, pd.DatetimeTZDtype):
        if s.notna().any() and not pd.api.types.is_datetime64_any_dtype(s):
            s = pd.to_datetime(s, utc=False)
        if s.notna().any() and not isinstance(s.dtype, pd.DatetimeTZDtype):
            raise InputError("times must be timezone-aware", source=source, field=col)
        if not isinstance(s.dtype, pd.DatetimeTZDtype):
            return pd.Series(pd.NaT, index=df.index, dtype="datetime64[ns, UTC]")
    return s.dt.tz_convert("UTC")


def _status_flags(status: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(is_closed, is_cancelled) per case, read from grid.domain.caseflow's status table."""
    known = {s.value for s in Status}
    bad = ~status.isin(known)
    if bad.any():
        raise InputError(
            f"unknown status '{status[bad].iloc[0]}'; known: {', '.join(sorted(known))}",
            source="cases",
            field="status",
        )
    closed = {s.value for s, i in STATUSES.items() if i.is_closed}
    cancelled = {s.value for s, i in STATUSES.items() if not i.is_open and not i.is_closed}
    return status.isin(closed).to_numpy(), status.isin(cancelled).to_numpy()


def _deadlines(cases: pd.DataFrame) -> pd.Series:
    """Each case's deadline: the given one, else dispatched_at plus its priority's hours."""
    given = _times(cases, "deadline", "cases") if "deadline" in cases else None
    dispatched = _times(cases, "dispatched_at", "cases")
    known = {p.value for p in Priority}
    prio = cases["priority"]
    if (bad := prio.notna() & ~prio.isin(known)).any():
        raise InputError(
            f"unknown priority '{prio[bad].iloc[0]}'", source="cases", field="priority"
        )
    hours = prio.map({p.value: h for p, h in DEADLINE_HOURS.items()}).astype(float)
    computed = dispatched + pd.to_timedelta(hours, unit="h")
    return computed if given is None else given.fillna(computed)


def counts(
    records: pd.DataFrame,
    by: str | Sequence[str] = ("cell_code", "kind"),
    *,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
    time_col: str = "occurred_at",
    filters: dict[str, str | Collection[str]] | None = None,
) -> pd.DataFrame:
    """Number of records per group, optionally in ``[period_start, period_end)`` by ``time_col``
    and limited by ``filters`` (column → value or values, e.g. ``{"kind": "incident"}``)."""
    cols = _group_cols(records, by, "records")
    keep = np.ones(len(records), dtype=bool)
    if period_start is not None or period_end is not None:
        _require(records, [time_col], "records")
        t = _times(records, time_col, "records")
        if period_start is not None:
            keep &= (t >= _aware(period_start, "period_start")).to_numpy()
        if period_end is not None:
            keep &= (t < _aware(period_end, "period_end")).to_numpy()
    for col, want in (filters or {}).items():
        _require(records, [col], "records")
        values = [want] if isinstance(want, str) else list(want)
        keep &= records[col].isin(values).to_numpy()
    sel = records.loc[keep, cols]
    return sel.groupby(cols, dropna=False).size().rename("count").reset_index()


def due_flags(
    cases: pd.DataFrame, period_start: datetime, period_end: datetime, now: datetime | None = None
) -> pd.DataFrame:
    """Per case booleans ``due``, ``closed``, ``on_time_closed``, ``overdue_open`` for the period,
    following the module's definition of due."""
    _require(cases, ["status", "priority", "dispatched_at", "closed_at"], "cases")
    start = _aware(period_start, "period_start")
    end = _aware(period_end, "period_end")
    if end <= start:
        raise InputError(f"period_end {end} is not after period_start {start}", field="period_end")
    as_of = min(
        end, _aware(now, "now") if now is not None else pd.Timestamp(datetime.now(UTC))
    )
    is_closed, cancelled = _status_flags(cases["status"])
    deadline = _deadlines(cases)
    closed_at = _times(cases, "closed_at", "cases")
    live = (deadline.notna().to_numpy()) & ~cancelled
    dl = deadline.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT"))
    ca = closed_at.to_numpy(dtype="datetime64[ns]", na_value=np.datetime64("NaT"))
    s, a = np.datetime64(start.tz_localize(None)), np.datetime64(as_of.tz_localize(None))
    has_close = is_closed & ~np.isnat(ca)
    closed_before_start = has_close & (ca < s)
    due = live & (
        ((dl >= s) & (dl < a))
        | ((dl < s) & ~closed_before_start)
        | (has_close & (ca >= s) & (ca < a))
    )
    closed = due & has_close & (ca < a)
    return pd.DataFrame(
        {
            "due": due,
            "closed": closed,
            "on_time_closed": closed & (ca <= dl),
            "overdue_open": due & ~closed & (dl < a),
        },
        index=cases.index,
    )


def kpis(
    cases: pd.DataFrame,
    period_start: datetime,
    period_end: datetime,
    by: str | Sequence[str] = "cell_code",
    now: datetime | None = None,
) -> pd.DataFrame:
    """Due, closed, on-time closed and overdue-open cases with closure and on-time closure rates
    per group of ``by`` (e.g. cell_code, leader, community_code) for ``[period_start, period_end)``.

    ``cases`` columns: status, priority, dispatched_at, closed_at, optional deadline, and ``by``.
    Every group present in ``cases`` gets a row, with NaN rates when nothing was due.
    """
    cols = _group_cols(cases, by, "cases")
    flags = due_flags(cases, period_start, period_end, now)
    keys = [cases[c] for c in cols]
    out = flags.astype(np.int64).groupby(keys, dropna=False).sum()
    out.index.names = cols
    with np.errstate(invalid="ignore", divide="ignore"):
        out["closure_rate"] = out["closed"] / out["due"].where(out["due"] > 0)
        out["on_time_closure_rate"] = out["on_time_closed"] / out["due"].where(out["due"] > 0)
    return out[list(KPI_COLUMNS)].reset_index()


def patrol_coverage(
    places: pd.DataFrame,
    checkins: pd.DataFrame,
    by: str | Sequence[str] = "cell_code",
    *,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
    id_col: str = "id",
    target_col: str = "place_id",
    time_col: str = "at",
) -> pd.DataFrame:
    """Share of the places (or buildings) of each group checked in at least once in the period.

    ``places`` has ``id_col`` and ``by``; ``checkins`` has ``target_col`` (the place or building
    id) and ``time_col``. A place counts for the group it lies in, whoever patrolled it. Returns
    ``by`` columns plus ``places``, ``visited`` and ``coverage`` (NaN for a group without places).
    """
    cols = _group_cols(places, by, "places")
    _require(places, [id_col], "places")
    _require(checkins, [target_col], "checkins")
    keep = np.ones(len(checkins), dtype=bool)
    if period_start is not None or period_end is not None:
        _require(checkins, [time_col], "checkins")
        t = _times(checkins, time_col, "checkins")
        if period_start is not None:
            keep &= (t >= _aware(period_start, "period_start")).to_numpy()
        if period_end is not None:
            keep &= (t < _aware(period_end, "period_end")).to_numpy()
    visited = places[id_col].isin(checkins.loc[keep, target_col]).astype(np.int64)
    keys = [places[c] for c in cols]
    out = (
        pd.DataFrame({"places": 1, "visited": visited}, index=places.index)
        .groupby(keys, dropna=False)
        .sum()
    )
    out.index.names = cols
    out["coverage"] = out["visited"] / out["places"].where(out["places"] > 0)
    return out.reset_index()
