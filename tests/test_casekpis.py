"""Issue 13's KPIs against an independent, row-by-row computation of their definitions."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from grid.analysis import casekpis as ck

START, END = datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC)
NOW = datetime(2024, 7, 1, tzinfo=UTC)


def _rects(n: int = 400, seed: int = 3) -> pd.DataFrame:
    """Random rectifications around the period: some never ordered, some closed late or early."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        ordered = START + timedelta(days=float(rng.uniform(-40, 40)))
        deadline = ordered + timedelta(days=int(rng.choice([7, 15, 30])))
        stage = rng.choice(["found", "ordered", "reinspected", "escalated", "closed"])
        closed = ordered + timedelta(days=float(rng.uniform(0, 50))) if stage == "closed" else None
        if stage == "found":
            ordered = deadline = None
        rows.append((f"c{i % 5}", stage, ordered, deadline, closed))
    df = pd.DataFrame(rows, columns=["cell_code", "stage", "ordered_at", "deadline", "closed_at"])
    for c in ("ordered_at", "deadline", "closed_at"):
        df[c] = pd.to_datetime(df[c], utc=True)
    return df


def _by_hand(df: pd.DataFrame) -> dict[str, tuple[int, int, int]]:
    """The due rule of grid.analysis.counts, spelled out one rectification at a time."""
    out: dict[str, list[int]] = {}
    for r in df.itertuples():
        acc = out.setdefault(r.cell_code, [0, 0, 0])
        if pd.isna(r.deadline):
            continue
        closed = r.stage == "closed" and not pd.isna(r.closed_at)
        due = (
            START <= r.deadline < END
            or (r.deadline < START and not (closed and r.closed_at < START))
            or (closed and START <= r.closed_at < END)
        )
        if not due:
            continue
        acc[0] += 1
        if closed and r.closed_at < END:
            acc[1] += 1
            acc[2] += int(r.closed_at <= r.deadline)
    return {k: tuple(v) for k, v in out.items()}


def test_rectification_rates_match_a_row_by_row_count():
    df = _rects()
    got = ck.rectification_kpis(df, START, END, now=NOW).set_index("cell_code")
    want = _by_hand(df)
    for cell, (due, done, on_time) in want.items():
        row = got.loc[cell]
        assert (row.rectification_due, row.rectified, row.rectified_on_time) == (due, done, on_time)
        assert math.isclose(row.rectification_rate, done / due)
        assert math.isclose(row.on_time_rectification_rate, on_time / due)
    assert 0 < got.rectification_due.sum() < len(df)


def test_satisfaction_counts_each_case_once_resident_first():
    t = START + timedelta(days=3)
    rows = [
        ("a", "r1", "callback", "dissatisfied", t),
        ("a", "r1", "resident", "satisfied", t + timedelta(hours=1)),  # the resident's own wins
        ("a", "r2", "callback", "dissatisfied", t),
        ("a", "r2", "callback", "basic", t + timedelta(hours=2)),  # the latest call-back
        ("b", "r3", "resident", "dissatisfied", t),
        ("b", "r4", "resident", "satisfied", END + timedelta(days=1)),  # after the period
    ]
    df = pd.DataFrame(rows, columns=["cell_code", "record_id", "source", "rating", "at"])
    got = ck.satisfaction(df, START, END).set_index("cell_code")
    assert (got.loc["a", "rated"], got.loc["a", "satisfied"]) == (2, 2)
    assert (got.loc["b", "rated"], got.loc["b", "satisfied"]) == (1, 0)
    assert got.loc["a", "satisfaction_rate"] == 1.0 and got.loc["b", "satisfaction_rate"] == 0.0
    assert (got.satisfaction_target == 0.9).all()


def test_screening_and_mediation_counts():
    t = START + timedelta(days=1)
    s = pd.DataFrame(
        [("a", t, 0), ("a", t, 2), ("b", t, 0), ("c", START - timedelta(days=1), 0)],
        columns=["cell_code", "at", "disputes_found"],
    )
    got = ck.screening_kpis(s, START, END).set_index("cell_code")
    assert got.loc["a"].tolist() == [2, 1] and got.loc["b"].tolist() == [1, 1]
    assert "c" not in got.index  # screened only before the period: never screened in it
    m = pd.DataFrame(
        [("a", t, "success", False), ("a", t, "referred", True), ("a", None, None, False)],
        columns=["cell_code", "ended_at", "outcome", "mass_incident"],
    )
    m["ended_at"] = pd.to_datetime(m["ended_at"], utc=True)
    got = ck.mediation_kpis(m, START, END).set_index("cell_code")
    row = got.loc["a"]
    assert (row.mediations_ended, row.mediations_settled, row.mass_incidents) == (2, 1, 1)
    assert row.mediation_success_rate == 0.5


def test_empty_inputs_give_empty_tables():
    empty = _rects().iloc[:0]
    assert ck.rectification_kpis(empty, START, END, now=NOW).empty
    cols = ["cell_code", "record_id", "source", "rating", "at"]
    assert ck.satisfaction(pd.DataFrame(columns=cols), START, END).empty
