"""Visit statistics (``GET /stats/visits``) per cell, officer or community over a period of
local days, as of that period: the cells valid in it, the households living there in it, the
leader of each cell at the period's end (or now, for a running period).

Coverage is the share of those households visited in the period (the household itself, or a
person of it met); the on-time rate, 帮教率 and 重新犯罪率 come from ``grid.register.visits``
(``figures``) over the tags of the persons living in each cell, with due visits counted up to
today only (a due day still to come has not been missed).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Hashable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.analytics.stats import cells_in_period
from api.areas.leaders import leader_names
from api.models import Household, Person, utcnow
from api.models.visits import Visit, VisitPerson
from api.periods import Days
from api.register.rules import today
from api.visits.due import closing_days, members
from grid.register.visits import TagSpan, figures, share, targets_meta

BY = ("cell", "officer", "community")


def _keys(s: Session, scope: Scope, days: Days, by: str) -> dict[str, str | None]:
    """Each cell valid in the period (and in the caller's reach) with its row key."""
    start, end = days.bounds()
    cells = cells_in_period(s, scope, start, end)
    if by == "cell":
        return {c: c for c in cells.cell_code}
    if by == "community":
        return dict(zip(cells.cell_code, cells.community_code, strict=True))
    at = min(end, utcnow()) - timedelta(microseconds=1)
    leaders = leader_names(s, at)
    return {c: leaders.get(c) for c in cells.cell_code}


def _households(s: Session, cells: list[str], days: Days) -> dict[uuid.UUID, str]:
    """The households living in ``cells`` at some day of the period, with their cell."""
    q = select(Household.id, Household.cell_code).where(
        Household.cell_code.in_(cells),
        or_(Household.moved_in.is_(None), Household.moved_in < days.end),
        or_(Household.moved_out.is_(None), Household.moved_out > days.start),
    )
    return dict(s.execute(q).all())  # type: ignore[arg-type]


def _visited(s: Session, homes: set[uuid.UUID], days: Days) -> set[uuid.UUID]:
    """The households of ``homes`` visited in the period (the household, or a person of it
    met)."""
    start, end = days.bounds()
    direct = select(Visit.household_id).where(
        Visit.visited_at >= start, Visit.visited_at < end, Visit.household_id.is_not(None)
    )
    met = (
        select(Person.household_id)
        .join(VisitPerson, VisitPerson.person_id == Person.id)
        .join(Visit, Visit.id == VisitPerson.visit_id)
        .where(Visit.visited_at >= start, Visit.visited_at < end)
    )
    found = {h for h in s.scalars(direct) if h is not None} | set(s.scalars(met))
    return found & homes


def visit_stats(s: Session, scope: Scope, days: Days, by: str) -> dict[str, Any]:
    """Visit coverage, due and on-time visits, 帮教 and re-offences per key (``VisitStats``)."""
    keys = _keys(s, scope, days, by)
    cells = sorted(keys)
    homes = _households(s, cells, days)
    visited = _visited(s, set(homes), days)
    people, spans = members(s, cells, days.start, days.end)
    last = min(days.end, today() + timedelta(days=1))
    until = datetime.combine(last, datetime.min.time(), days.bounds()[0].tzinfo)
    marks = closing_days(s, people, until)
    groups: dict[str | None, dict[str, Any]] = defaultdict(
        lambda: {"households": 0, "visited": 0, "spans": []}
    )
    for c in cells:
        groups[keys[c]]  # every key gets a row, with zeros where nothing happened
    for hid, c in homes.items():
        g = groups[keys[c]]
        g["households"] += 1
        g["visited"] += hid in visited
    for t in spans:
        groups[keys[people[t.person_id].cell_code]]["spans"].append(t)  # type: ignore[index]
    rows = [_row(key, g, marks, days.start, last) for key, g in groups.items()]
    rows.sort(key=lambda r: (r["key"] is None, r["key"] or ""))
    return {
        "by": by,
        "from": days.start.isoformat(),
        "to": days.end.isoformat(),
        "rows": rows,
        "targets": targets_meta(),
    }


def _row(
    key: str | None,
    g: dict[str, Any],
    marks: dict[Hashable, list[date]],
    start: date,
    end: date,
) -> dict[str, Any]:
    """One row of figures."""
    spans: list[TagSpan] = g["spans"]
    f = figures(spans, marks, start, end) if end > start else figures([], {}, start, start)
    return {
        "key": key,
        "households": g["households"],
        "households_visited": g["visited"],
        "visit_coverage": share(g["visited"], g["households"]),
        "due_visits": f.due_visits,
        "on_time_visits": f.on_time_visits,
        "on_time_rate": share(f.on_time_visits, f.due_visits),
        "in_term": f.in_term,
        "helped": f.helped,
        "helped_rate": share(f.helped, f.in_term),
        "reoffended": f.reoffended,
        "reoffence_rate": share(f.reoffended, f.in_term),
    }
