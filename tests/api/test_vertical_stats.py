"""Counts, KPIs, leaders, heat badges and drill-down per vertical cell (楼栋网格, issue 16),
against a tally the test keeps of the records it sends."""

from __future__ import annotations

import csv
import io
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import openpyxl
import pandas as pd
import pytest
from conftest import C2, VALID_FROM, X0, Y0, W, record_body

from api.db import session_scope
from api.io.loaders import assign_leader, load_vertical_cells
from grid.partition.vertical import VERTICAL_COLUMNS

CELL = C2 + "002"  # holds 2号楼 (conftest); officer2 leads it
TOWER = "2号楼"
HOUSEHOLDS = (150, 160, 170)
MONTH = {"from": "2023-03-01", "to": "2023-04-01"}


def code(k: int) -> str:
    """The code of the k-th (1-based) vertical cell of CELL."""
    return f"{CELL}-0{k}"


def holding(floor: int) -> str | None:
    """The test's own rule: floors 1–10, 11–20, 21–30 are the three vertical cells."""
    return code((floor - 1) // 10 + 1) if 1 <= floor <= 30 else None


@pytest.fixture(scope="module")
def tower(api) -> dict:  # noqa: ANN001
    """A 30-floor tower in three floor ranges below CELL, its middle range led by officer2, and
    records on seeded random floors and hours of March 2023; the test's tally of them."""
    rows = [(code(k + 1), CELL, C2, TOWER, HOUSEHOLDS[k], "floors", 1, 2, 10 * k + 1,
             10 * k + 10, 0) for k in range(3)]
    with session_scope(api.store.sessions) as s:
        load_vertical_cells(s, pd.DataFrame(rows, columns=VERTICAL_COLUMNS), [C2], VALID_FROM)
        assign_leader(s, code(2), "officer2", VALID_FROM)
    rng = random.Random(16)
    sent = []
    for _ in range(40):
        floor, hour, day = rng.randint(1, 34), rng.randint(0, 23), rng.randint(1, 31)
        kind = rng.choice(["incident", "dispute"])
        body = record_body(lon=X0 + W + 0.0025, lat=Y0 + 0.0025, floor=floor,
                           unit=rng.randint(1, 2), kind=kind,
                           category="fire" if kind == "incident" else "neighbour",
                           occurred_at=f"2023-03-{day:02d}T{hour:02d}:30:00+08:00")
        if kind == "dispute":
            body.pop("priority")
        r = api.post("/records", "officer2", json=body)
        assert r.status_code == 201, r.text
        assert r.json()["vertical_code"] == holding(floor)
        sent.append({**body, "hour": hour, "vertical": holding(floor)})
    return {"sent": sent}


def test_the_table_by_vertical_cell_counts_each_ones_records(api, tower) -> None:  # noqa: ANN001
    want = Counter((s["vertical"], s["kind"]) for s in tower["sent"] if s["vertical"])
    r = api.get("/analytics/table", "street", params={**MONTH, "by": "vertical"})
    assert r.status_code == 200, r.text
    got = {row["vertical_code"]: row for row in r.json()["rows"] if row["cell_code"] == CELL}
    assert sorted(got) == [code(1), code(2), code(3)]
    for k in (1, 2, 3):
        row = got[code(k)]
        assert row["incident"] == want[(code(k), "incident")]
        assert row["dispute"] == want[(code(k), "dispute")]
        assert row["total"] == want[(code(k), "incident")] + want[(code(k), "dispute")]
        assert row["households"] == HOUSEHOLDS[k - 1] and row["building"] == TOWER
        assert (row["floor_from"], row["floor_to"]) == (10 * k - 9, 10 * k)
    assert got[code(2)]["leader_name"] == "officer2" and got[code(1)]["leader_name"] == ""
    assert "vertical_code" in r.json()["text_columns"]
    # Officer (C1) sees none of C2's vertical cells.
    mine = api.get("/analytics/table", "officer", params={**MONTH, "by": "vertical"}).json()
    assert all(row["cell_code"].startswith("120101001001") for row in mine["rows"])


def test_the_vertical_table_exports_the_same_counts(api, tower) -> None:  # noqa: ANN001
    want = Counter(s["vertical"] for s in tower["sent"] if s["vertical"])
    r = api.get("/analytics/table", "street",
                params={**MONTH, "by": "vertical", "format": "csv", "lang": "en"})
    assert r.status_code == 200 and r.content.startswith(b"\xef\xbb\xbf")
    table = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert "Vertical cell" in table[0] and "Households" in table[0]
    got = {row["Vertical cell"]: int(row["Records"]) for row in table}
    assert {k: got[k] for k in want} == dict(want)
    x = api.get("/analytics/table", "street", params={**MONTH, "by": "vertical", "format": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(x.content)).active
    values = list(sheet.iter_rows(values_only=True))
    head = next(i for i, v in enumerate(values) if v and v[0] == "楼栋网格编码")
    cols = list(values[head])
    rows = {v[0]: v for v in values[head + 1:] if v[0]}
    assert {k: rows[k][cols.index("记录合计")] for k in want} == dict(want)
    assert rows[code(3)][cols.index("户数")] == HOUSEHOLDS[2]


def test_kpis_by_vertical_cell_count_a_closed_case_in_its_own(api, tower) -> None:  # noqa: ANN001
    now = datetime.now(UTC)
    body = record_body(lon=X0 + W + 0.0025, lat=Y0 + 0.0025, floor=25, unit=1,
                       occurred_at=now.isoformat())
    rec = api.post("/records", "officer2", json=body).json()
    assert rec["vertical_code"] == code(3)
    for user, action in [("officer2", "register"), ("officer2", "dispatch"),
                         ("officer2", "handle"), ("officer2", "feedback"), ("street", "verify")]:
        r = api.post(f"/records/{rec['id']}/transitions", user,
                     json={"action": action, "version": rec["version"]})
        assert r.status_code == 200, r.text
        rec = r.json()
    period = {"from": (now - timedelta(days=1)).isoformat(),
              "to": (now + timedelta(minutes=5)).isoformat()}
    r = api.get("/stats/kpis", "street", params={**period, "by": "vertical"})
    assert r.status_code == 200, r.text
    assert r.json()["by"] == "vertical"
    got = {row["vertical_code"]: row for row in r.json()["rows"] if row["cell_code"] == CELL}
    assert (got[code(3)]["due"], got[code(3)]["closed"], got[code(3)]["closure_rate"]) == (1, 1, 1)
    assert (got[code(1)]["due"], got[code(1)]["closure_rate"]) == (0, None)
    assert got[code(2)]["leader"] == "officer2" and got[code(1)]["leader"] is None
    assert [got[code(k)]["households"] for k in (1, 2, 3)] == list(HOUSEHOLDS)
    assert api.get("/stats/kpis", "street", params={"by": "floor"}).status_code == 422


def test_the_map_badge_counts_each_vertical_cell_and_floor_under_the_filters(
    api, tower  # noqa: ANN001
) -> None:
    evening = [s for s in tower["sent"] if s["vertical"] and 18 <= s["hour"] <= 23]
    r = api.get("/analytics/stacks", "street", params={**MONTH, "hours": "18-23"})
    assert r.status_code == 200, r.text
    [b] = [b for b in r.json()["buildings"] if b["cell_code"] == CELL]
    assert b["building"] == TOWER and b["outline"]["type"] in ("Polygon", "MultiPolygon")
    assert X0 + W + 0.002 <= b["lon"] <= X0 + W + 0.003
    want = Counter(s["vertical"] for s in evening)
    assert {v["code"]: v["records"] for v in b["verticals"]} == {
        code(k): want[code(k)] for k in (1, 2, 3)}
    assert b["records"] == len(evening)
    floors = Counter((s["vertical"], s["unit"], s["floor"]) for s in evening)
    assert {(f["vertical_code"], f["unit"], f["floor"]): f["count"] for f in b["floors"]} == floors
    assert [v["leader"] for v in b["verticals"]] == [None, "officer2", None]
    # The officer of C1 sees no badge of C2's tower.
    mine = api.get("/analytics/stacks", "officer", params=MONTH).json()["buildings"]
    assert all(x["cell_code"] != CELL for x in mine)


def test_the_drill_down_lists_one_vertical_cells_records(api, tower) -> None:  # noqa: ANN001
    want = {s["id"] for s in tower["sent"] if s["vertical"] == code(2) and s["kind"] == "dispute"}
    r = api.get(f"/analytics/verticals/{code(2)}/records", "street",
                params={**MONTH, "kind": "dispute"})
    assert r.status_code == 200, r.text
    assert {x["id"] for x in r.json()} == want
    assert all(x["vertical_code"] == code(2) for x in r.json())
    assert api.get(f"/analytics/verticals/{code(2)}/records", "officer",
                   params=MONTH).status_code == 404
    assert api.get(f"/analytics/verticals/{CELL}-99/records", "street",
                   params=MONTH).status_code == 404


def test_a_vertical_cell_takes_a_leader_and_an_unknown_code_is_refused(api, tower) -> None:  # noqa: ANN001
    from api.errors import InvalidInput

    with session_scope(api.store.sessions) as s:
        assign_leader(s, code(1), "officer2")
        with pytest.raises(InvalidInput, match="no current cell or vertical cell"):
            assign_leader(s, f"{CELL}-77", "officer2")
    r = api.get("/stats/kpis", "street", params={"by": "vertical"})
    got = {row["vertical_code"]: row["leader"] for row in r.json()["rows"]}
    assert got[code(1)] == "officer2"


def test_the_leader_of_a_vertical_cell_works_in_its_building(api, tower) -> None:  # noqa: ANN001
    from conftest import PASSWORDS

    from api.io.loaders import add_user

    with session_scope(api.store.sessions) as s:
        add_user(s, "tower3", "t3-pass", "officer")
        assign_leader(s, code(3), "tower3", VALID_FROM)
    PASSWORDS["tower3"] = "t3-pass"
    seen = {r["id"] for r in api.get("/records", "tower3", params={"limit": 500}).json()}
    assert {s["id"] for s in tower["sent"]} <= seen
    body = record_body(lon=X0 + W + 0.0025, lat=Y0 + 0.0025, floor=22, unit=1,
                       occurred_at=datetime.now(UTC).isoformat())
    r = api.post("/records", "tower3", json=body)
    assert r.status_code == 201, r.text
    assert r.json()["vertical_code"] == code(3)
    # Not beyond the building's cell: the cell north of it is another leader's.
    north = record_body(lon=X0 + W + 0.0025, lat=Y0 + 0.0075)
    assert api.post("/records", "tower3", json=north).status_code == 403
