"""Case-loop KPIs and record counts against hand-computed cases."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from grid.analysis.counts import counts, kpis, patrol_coverage
from grid.domain.caseflow import Priority, Status
from grid.errors import InputError

UTC = UTC
START = datetime(2024, 5, 1, tzinfo=UTC)
END = datetime(2024, 6, 1, tzinfo=UTC)
NOW = datetime(2024, 7, 1, tzinfo=UTC)


def t(day: int, month: int = 5, hour: int = 0) -> datetime:
    return datetime(2024, month, day, hour, tzinfo=UTC)


def case(cell: str, status: Status, priority: Priority, dispatched, closed=None, deadline=None):
    return {
        "cell_code": cell,
        "leader": "li" if cell == "A" else "wang",
        "status": status.value,
        "priority": priority.value,
        "dispatched_at": dispatched,
        "deadline": deadline,
        "closed_at": closed,
    }


CASES = pd.DataFrame(
    [
        # A: routine (72 h) dispatched 10 May, closed 11 May: due, closed, on time.
        case("A", Status.CLOSED, Priority.ROUTINE, t(10), closed=t(11)),
        # A: urgent (2 h) dispatched 10 May 00:00, closed 10 May 05:00: due, closed, late.
        case("A", Status.EVALUATED, Priority.URGENT, t(10), closed=t(10, hour=5)),
        # A: hazard still open, deadline 21 May: due, overdue open.
        case("A", Status.HANDLED, Priority.HAZARD, t(20)),
        # A: cancelled: never due.
        case("A", Status.CANCELLED, Priority.URGENT, t(12)),
        # A: reported, never dispatched: never due.
        case("A", Status.REPORTED, Priority.ROUTINE, None),
        # B: overdue from April, still open at start of May: carried over, due, open.
        case("B", Status.DISPATCHED, Priority.ROUTINE, t(1, month=4)),
        # B: overdue from April, closed 3 May: carried over, due, closed late.
        case("B", Status.CLOSED, Priority.ROUTINE, t(1, month=4), closed=t(3)),
        # B: closed in April: not due in May.
        case("B", Status.CLOSED, Priority.ROUTINE, t(1, month=4), closed=t(2, month=4)),
        # B: explicit deadline 10 June, closed early 30 May: due (closed in period), on time.
        case("B", Status.CLOSED, Priority.ROUTINE, t(29), closed=t(30), deadline=t(10, month=6)),
        # B: deadline 20 June, open: not due in May.
        case("B", Status.DISPATCHED, Priority.ROUTINE, t(30), deadline=t(20, month=6)),
        # B: deadline in May, closed 5 June (after the period): due, not closed in May.
        case("B", Status.CLOSED, Priority.ROUTINE, t(25), closed=t(5, month=6)),
    ]
)
for col in ("dispatched_at", "deadline", "closed_at"):
    CASES[col] = pd.to_datetime(CASES[col], utc=True)


def test_kpis_per_cell_by_hand() -> None:
    k = kpis(CASES, START, END, by="cell_code", now=NOW).set_index("cell_code")
    assert k.loc["A", ["due", "closed", "on_time_closed", "overdue_open"]].tolist() == [3, 2, 1, 1]
    assert k.loc["B", ["due", "closed", "on_time_closed", "overdue_open"]].tolist() == [4, 2, 1, 2]
    assert k.loc["A", "closure_rate"] == pytest.approx(2 / 3)
    assert k.loc["A", "on_time_closure_rate"] == pytest.approx(1 / 3)
    assert k.loc["B", "closure_rate"] == pytest.approx(2 / 4)
    assert k.loc["B", "on_time_closure_rate"] == pytest.approx(1 / 4)


def test_now_inside_period_limits_due_to_deadlines_already_passed() -> None:
    # As of 15 May only A's two cases of 10 May are due (the hazard's deadline is 21 May).
    k = kpis(CASES, START, END, by="leader", now=t(15)).set_index("leader")
    assert k.loc["li", ["due", "closed", "on_time_closed"]].tolist() == [2, 2, 1]
    # B as of 15 May: the two April carry-overs only.
    assert k.loc["wang", ["due", "closed", "overdue_open"]].tolist() == [2, 1, 1]


def test_group_with_nothing_due_has_nan_rates() -> None:
    k = kpis(CASES, t(1, month=1), t(1, month=2), now=NOW)
    assert (k["due"] == 0).all() and k["closure_rate"].isna().all()


def test_bad_case_input() -> None:
    with pytest.raises(InputError):
        kpis(CASES.assign(status="lost"), START, END, now=NOW)
    with pytest.raises(InputError):
        kpis(CASES, datetime(2024, 5, 1), END, now=NOW)  # naive
    with pytest.raises(InputError):
        kpis(CASES, END, START, now=NOW)
    with pytest.raises(InputError):
        kpis(CASES, START, END, by="street", now=NOW)


def test_counts_by_cell_and_kind_with_period_and_filter() -> None:
    rec = pd.DataFrame(
        {
            "cell_code": ["A", "A", "A", "B", "B"],
            "kind": ["incident", "incident", "dispute", "incident", "patrol"],
            "category": ["fire", "traffic", "neighbour", "fire", "routine"],
            "occurred_at": pd.to_datetime([t(2), t(3), t(4), t(5, month=6), t(6)], utc=True),
        }
    )
    c = counts(rec, period_start=START, period_end=END)
    got = {(r.cell_code, r.kind): r.count for r in c.itertuples()}
    assert got == {("A", "incident"): 2, ("A", "dispute"): 1, ("B", "patrol"): 1}
    c2 = counts(rec, by="cell_code", filters={"category": ["fire"]})
    assert dict(zip(c2.cell_code, c2["count"], strict=True)) == {"A": 1, "B": 1}


def test_patrol_coverage_share_of_places_visited_in_period() -> None:
    places = pd.DataFrame({"id": [1, 2, 3, 4, 5], "cell_code": ["A", "A", "A", "B", "C"]})
    checkins = pd.DataFrame(
        {
            "place_id": [1, 1, 2, 4, 9],
            "at": pd.to_datetime([t(2), t(3), t(1, 4), t(9), t(9)], utc=True),
        }
    )
    cov = patrol_coverage(places, checkins, period_start=START, period_end=END).set_index(
        "cell_code"
    )
    assert cov.loc["A", ["places", "visited"]].tolist() == [3, 1]
    assert cov.loc["A", "coverage"] == pytest.approx(1 / 3)
    assert cov.loc["B", "coverage"] == 1.0 and cov.loc["C", "coverage"] == 0.0
    everything = patrol_coverage(places, checkins).set_index("cell_code")
    assert everything.loc["A", "visited"] == 2


def test_missing_deadline_is_computed_from_priority() -> None:
    one = CASES.iloc[[1]].copy()
    one["closed_at"] = pd.to_datetime([t(10, hour=2)], utc=True)  # exactly at the 2 h deadline
    k = kpis(one, START, END, now=NOW)
    assert k["on_time_closed"].iloc[0] == 1
    assert np.isclose(k["on_time_closure_rate"].iloc[0], 1.0)
