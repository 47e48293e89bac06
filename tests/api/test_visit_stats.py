"""Visit statistics on both backends, checked against an independent computation in this test:
plain Python over the rows in the database (households, persons, tags, visits), with the
schedule walked day by day rather than by the service's search, per cell, community and
officer."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta

from conftest import C1, C2
from sqlalchemy import select
from visits_helpers import ZONE, household, person, tag, visit

from api.db import session_scope
from api.models import Household, LeaderAssignment, Person, PersonTag, User
from api.models.visits import Visit, VisitPerson
from api.register.rules import today
from grid.register import catalog

FIELDS = (
    "households",
    "households_visited",
    "due_visits",
    "on_time_visits",
    "in_term",
    "helped",
    "reoffended",
)


def _month() -> tuple[date, date]:
    """The calendar month before this one: [first day, first day of this month)."""
    end = today().replace(day=1)
    return (end - timedelta(days=1)).replace(day=1), end


def _scenario(api, start: date) -> None:  # noqa: ANN001
    """Households and key-group members in both communities, visited now and then in the month
    from ``start``."""
    d = lambda k: start + timedelta(days=k)  # noqa: E731
    a = household(api)
    a1, a2 = person(api, a), person(api, a, name="周强")
    tag(api, a1, "released", date(2024, 1, 1))
    tag(api, a2, "community_correction", d(-20))
    for k in (1, 9, 12, 25):
        visit(api, d(k), household_id=a, person_ids=[a2] if k != 12 else [])
    visit(api, d(14), household_id=a, person_ids=[a1])
    b = household(api)
    b1 = person(api, b, name="吴刚")
    t = tag(api, b1, "released", d(-400))
    r = api.patch(
        f"/persons/{b1}/tags/{t['id']}", "officer", json={"reoffended_on": d(5).isoformat()}
    )
    assert r.status_code == 200, r.text
    c = household(api)
    c1 = person(api, c, name="郑芳")
    tag(api, c1, "elderly_alone", d(-3))
    visit(api, d(2), household_id=c, purpose="key_group")
    visit(api, d(20), household_id=c, purpose="key_group")
    e = household(api, "officer2", C2 + "002")
    e1 = person(api, e, "officer2", name="王磊")
    tag(api, e1, "released", d(-100), user="officer2")
    tag(api, e1, "drug", d(-100), user="officer2")
    visit(api, d(3), "officer2", household_id=e, person_ids=[e1])


def _local(at: datetime) -> date:
    """The local day of a stored time."""
    return at.astimezone(ZONE).date()


def _slots(start: date, every: int, seen: set[date], lo: date, hi: date) -> tuple[int, int]:
    """Due and on-time visits in [lo, hi) of a schedule, walked one day at a time: a visit in
    the open window restarts the clock (on time); reaching the due day without one misses it."""
    clock, first, due, on_time, day = start, True, 0, 0, start
    while clock + timedelta(days=every) < hi:
        deadline = clock + timedelta(days=every)
        if day in seen and (day > clock or first):
            due, on_time = due + (deadline >= lo), on_time + (deadline >= lo)
            clock, first = day, False
        elif day == deadline:
            due += deadline >= lo
            clock, first = day, False
        day += timedelta(days=1)
    return due, on_time


def _expected(api, start: date, end: date) -> dict[str, dict[str, int]]:  # noqa: ANN001, C901
    """Every cell's figures computed from the rows, without the service."""
    lo_t = datetime.combine(start, time(), ZONE).astimezone(UTC)
    hi_t = datetime.combine(end, time(), ZONE).astimezone(UTC)
    with session_scope(api.store.sessions) as s:
        homes = list(s.scalars(select(Household)))
        people = list(s.scalars(select(Person)))
        tags = list(s.scalars(select(PersonTag)))
        visits = list(s.scalars(select(Visit)))
        met = list(s.scalars(select(VisitPerson)))
    out: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))

    def living(x, a: date, b: date) -> bool:  # noqa: ANN001
        return (x.moved_in is None or x.moved_in < b) and (x.moved_out is None or x.moved_out > a)

    home_of = {p.id: p.household_id for p in people}
    in_period = {v.id: v for v in visits if lo_t <= v.visited_at < hi_t}
    visited = {v.household_id for v in in_period.values() if v.household_id}
    visited |= {home_of[m.person_id] for m in met if m.visit_id in in_period}
    for h in homes:
        if h.cell_code and living(h, start, end):
            out[h.cell_code]["households"] += 1
            out[h.cell_code]["households_visited"] += h.id in visited
    by_id = {v.id: v for v in visits}
    days: dict[object, set[date]] = defaultdict(set)
    for m in met:
        days[m.person_id].add(_local(by_id[m.visit_id].visited_at))
    for v in visits:
        if v.purpose == "key_group" and v.household_id:
            for p in people:
                if p.household_id == v.household_id and living(
                    p, _local(v.visited_at), _local(v.visited_at) + timedelta(1)
                ):
                    days[p.id].add(_local(v.visited_at))
    last = min(end, today() + timedelta(days=1))
    person = {p.id: p for p in people}
    in_term: dict[str, set] = defaultdict(set)
    helped: dict[str, set] = defaultdict(set)
    reoff: dict[str, set] = defaultdict(set)
    for t in tags:
        p = person[t.person_id]
        if not p.cell_code or not living(p, start, end):
            continue
        g = catalog.key_group(t.group)
        stop = [x for x in (t.end, last) if x]
        if g.term_years:
            stop.append(t.start.replace(year=t.start.year + g.term_years))
        hi = min(stop)
        seen = {x for x in days[p.id] if x < last}
        if g.visit_every_days:
            due, ok = _slots(t.start, g.visit_every_days, seen, start, hi)
            out[p.cell_code]["due_visits"] += due
            out[p.cell_code]["on_time_visits"] += ok
        if g.term_years and t.start < last and hi > start:
            in_term[p.cell_code].add(p.id)
            if any(max(start, t.start) <= x < hi for x in seen):
                helped[p.cell_code].add(p.id)
            if t.reoffended_on and t.start <= t.reoffended_on < hi:
                reoff[p.cell_code].add(p.id)
    for cell in set(in_term) | set(helped) | set(reoff):
        out[cell]["in_term"] = len(in_term[cell])
        out[cell]["helped"] = len(helped[cell])
        out[cell]["reoffended"] = len(reoff[cell])
    return out


def _rate(a: int, b: int) -> float | None:
    """A share as the API rounds it."""
    return round(a / b, 4) if b else None


def _check(row: dict, want: dict[str, int]) -> None:
    """A row equals the expected counts and their rates."""
    assert {f: row[f] for f in FIELDS} == want, (row, want)
    assert row["visit_coverage"] == _rate(want["households_visited"], want["households"])
    assert row["on_time_rate"] == _rate(want["on_time_visits"], want["due_visits"])
    assert row["helped_rate"] == _rate(want["helped"], want["in_term"])
    assert row["reoffence_rate"] == _rate(want["reoffended"], want["in_term"])


def _leaders(api, at: datetime) -> dict[str, str]:  # noqa: ANN001
    """Each cell's leader at ``at``, read from the assignments."""
    with session_scope(api.store.sessions) as s:
        rows = s.execute(select(LeaderAssignment, User.username).join(User)).all()
    return {
        a.cell_code: name
        for a, name in sorted(rows, key=lambda r: r[0].started_at)
        if a.started_at <= at and (a.ended_at is None or at < a.ended_at)
    }


def test_visit_stats_match_an_independent_computation(api):
    start, end = _month()
    _scenario(api, start)
    want = _expected(api, start, end)
    period = start.strftime("%Y-%m")
    r = api.get("/stats/visits", "admin", params={"period": period, "by": "cell"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["from"], out["to"]) == (start.isoformat(), end.isoformat())
    assert {t["code"] for t in out["targets"]} == {"helped_rate", "reoffence_rate"}
    rows = {row["key"]: row for row in out["rows"]}
    assert set(rows) == {C1 + "001", C1 + "002", C2 + "001", C2 + "002"}
    for cell, row in rows.items():
        _check(row, want[cell])
    assert rows[C1 + "001"]["due_visits"] > rows[C1 + "001"]["on_time_visits"] > 0
    assert rows[C1 + "001"]["reoffended"] >= 1 and rows[C2 + "002"]["helped"] >= 1
    by_comm = {
        row["key"]: row
        for row in api.get(
            "/stats/visits", "admin", params={"period": period, "by": "community"}
        ).json()["rows"]
    }
    leaders = _leaders(api, datetime.combine(end, time(), ZONE) - timedelta(microseconds=1))
    by_officer = {
        row["key"]: row
        for row in api.get(
            "/stats/visits", "admin", params={"period": period, "by": "officer"}
        ).json()["rows"]
    }
    for key, of in ((by_comm, lambda c: c[:12]), (by_officer, lambda c: leaders.get(c))):
        sums: dict = defaultdict(lambda: dict.fromkeys(FIELDS, 0))
        for cell, w in want.items():
            if cell in rows:
                for f in FIELDS:
                    sums[of(cell)][f] += w[f]
        assert set(key) == set(sums)
        for k, row in key.items():
            _check(row, sums[k])
    # an officer sees their own cells only
    mine = api.get("/stats/visits", "officer", params={"period": period}).json()["rows"]
    assert {row["key"] for row in mine} == {C1 + "001", C1 + "002"}
    bad = api.get("/stats/visits", "admin", params={"period": "2026-13"})
    assert bad.status_code == 422
