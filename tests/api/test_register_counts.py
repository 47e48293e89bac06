"""Register writes through the API keep the buildings' and cells' household counts right, and
/stats/counts and /stats/kpis carry the households (marked registered or estimated) and the
register's counts, checked against a count made here in Python and against the test's own
adds and move-outs, on both backends."""

from __future__ import annotations

from collections import Counter
from datetime import date

from conftest import C1, C2
from sqlalchemy import select
from test_register import building_in, fresh_id, household, person_body

from api.db import session_scope
from api.models import Building, Cell, Household, Person, Room
from api.register.rules import today

CELL = C1 + "001"


def living(moved_in: date | None, moved_out: date | None, on: date) -> bool:
    """Lived there on ``on``."""
    return (moved_in is None or moved_in <= on) and (moved_out is None or moved_out > on)


def independent(api) -> dict:  # noqa: ANN001
    """Counted here from the rows: per building with register rows its living households,
    per cell those buildings' sums and the other buildings' stored counts, persons by type per
    cell, rooms by use per cell."""
    on = today()
    with session_scope(api.store.sessions) as s:
        homes = s.execute(select(Household.building_id, Household.moved_in, Household.moved_out))
        registered: Counter = Counter()
        seen = set()
        for b, mi, mo in homes:
            seen.add(b)
            registered[b] += living(mi, mo, on)
        buildings = s.execute(select(Building.id, Building.cell_code, Building.households)).all()
        cell_sum: Counter = Counter()
        for b, cell, stored in buildings:
            cell_sum[cell] += registered[b] if b in seen else stored
        people: Counter = Counter()
        for cell, kind, mi, mo in s.execute(
            select(Person.cell_code, Person.person_type, Person.moved_in, Person.moved_out)
        ):
            people[cell, kind] += living(mi, mo, on)
        rooms = Counter(s.execute(select(Room.cell_code, Room.use)).all())
        cells = {
            c: n for c, n in s.execute(select(Cell.code, Cell.households).where(Cell.latest()))
        }
        stored = {b: n for b, _, n in buildings}
    return {
        "registered": {b: registered[b] for b in seen},
        "cell_sum": cell_sum,
        "people": people,
        "rooms": rooms,
        "cells": cells,
        "buildings": stored,
    }


def stats_row(api, path: str, key: str, code: str, user: str = "admin") -> dict:  # noqa: ANN001
    """The row of ``code`` in a /stats answer."""
    r = api.get(path, user)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["register_on"] == today().isoformat()
    rows = body.get("counts", body.get("rows"))
    return next(row for row in rows if row[key] == code)


def check_against(api, cell: str) -> None:  # noqa: ANN001
    """Buildings, the cell and /stats agree with the count made here."""
    got = independent(api)
    for b, n in got["registered"].items():
        assert got["buildings"][b] == n, b
    assert got["cells"][cell] == got["cell_sum"][cell]
    row = stats_row(api, "/stats/counts?by=cell", "cell_code", cell)
    assert row["households"] == got["cells"][cell]
    assert row["registered_households"] == sum(
        n for b, n in got["registered"].items() if building_cell(api, b) == cell
    )
    for kind in ("registered", "resident", "floating", "foreign"):
        assert row[kind] == got["people"][cell, kind], kind
    assert row["residents"] == sum(n for (c, _), n in got["people"].items() if c == cell)
    assert row["vacant_rooms"] == got["rooms"][cell, "vacant"]
    assert row["rented_rooms"] == got["rooms"][cell, "rented"]
    kpi = stats_row(api, "/stats/kpis?by=cell", "cell_code", cell)
    assert {k: kpi[k] for k in row if k in kpi and k != "count"} == {
        k: row[k] for k in row if k in kpi and k != "count"
    }


def building_cell(api, b: int) -> str:  # noqa: ANN001
    """The cell of building ``b``."""
    with session_scope(api.store.sessions) as s:
        return s.scalar(select(Building.cell_code).where(Building.id == b))


def test_household_writes_keep_counts_and_stats_right(api):
    before = stats_row(api, "/stats/counts?by=cell", "cell_code", CELL)
    homes = [household(api, room=f"9{i}1", floor="9", use="rented") for i in range(3)]
    kinds = ["floating", "registered", "floating"]
    persons = [
        api.post(
            "/persons",
            "officer",
            json=person_body(h["id"], id_number=fresh_id(), person_type=k, relation="self"),
        ).json()
        for h, k in zip(homes, kinds, strict=True)
    ]
    check_against(api, CELL)
    mid = stats_row(api, "/stats/counts?by=cell", "cell_code", CELL)
    assert mid["registered_households"] == before["registered_households"] + 3
    assert mid["floating"] == before["floating"] + 2
    assert mid["households_source"] == "register" and not mid["households_estimated"]
    r = api.patch(
        f"/households/{homes[0]['id']}",
        "officer",
        json={"version": homes[0]["version"], "moved_out": today().isoformat()},
    )
    assert r.status_code == 200, r.text
    one = persons[2]
    r = api.patch(
        f"/persons/{one['id']}", "officer", json={"version": 1, "moved_out": today().isoformat()}
    )
    assert r.status_code == 200, r.text
    check_against(api, CELL)
    after = stats_row(api, "/stats/counts?by=cell", "cell_code", CELL)
    assert after["registered_households"] == mid["registered_households"] - 1
    assert after["households"] == mid["households"] - 1
    assert after["floating"] == mid["floating"] - 2  # one left with the household, one alone
    assert after["registered"] == mid["registered"]


def test_community_and_kpis_sum_the_cells_and_mark_the_estimate(api):
    household(api, room="991", floor="9")
    got = independent(api)
    comm = stats_row(api, "/stats/counts?by=community", "community_code", C1)
    cells = [stats_row(api, "/stats/counts?by=cell", "cell_code", C1 + s) for s in ("001", "002")]
    for col in ("households", "registered_households", "floating", "residents", "rented_rooms"):
        assert comm[col] == sum(c[col] for c in cells), col
    assert comm["households"] == got["cells"][C1 + "001"] + got["cells"][C1 + "002"]
    # C1 002 has no building: its count is the loaded one, marked as the estimate
    assert cells[1]["households_source"] == "estimate" and cells[1]["households_estimated"]
    assert comm["households_source"] == "mixed"  # one cell registered, one estimated
    kpi = stats_row(api, "/stats/kpis?by=community", "community_code", C1)
    assert kpi["households"] == comm["households"] and kpi["floating"] == comm["floating"]
    leader = stats_row(api, "/stats/kpis?by=leader", "leader", "officer")
    assert leader["households"] == comm["households"]
    # C2's building is counted from the register only once a household is registered there
    b2 = building_in(api, C2 + "002")
    c2 = stats_row(api, "/stats/counts?by=cell", "cell_code", C2 + "002")
    assert c2["households_source"] == ("register" if b2 in got["registered"] else "estimate")


def test_officer_sees_only_their_cells_counts(api):
    r = api.get("/stats/counts?by=cell", "officer")
    assert r.status_code == 200
    assert {row["cell_code"][:12] for row in r.json()["counts"]} == {C1}
