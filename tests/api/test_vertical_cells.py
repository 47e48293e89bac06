"""Vertical cells (楼栋网格) are stored with the cells and listed below their cell (issue 16)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from conftest import C1, VALID_FROM, X0, Y0, record_body

from api.db import session_scope
from api.io.loaders import load_vertical_cells
from grid.partition.vertical import VERTICAL_COLUMNS

CELL = C1 + "001"


def stack_rows() -> pd.DataFrame:
    """A tower of 30 floors below CELL in three floor ranges, and a second stack's row."""
    rows = [(f"{CELL}-0{k + 1}", CELL, C1, "b7", 150, "floors", 1, 2, 10 * k + 1, 10 * k + 10,
             0) for k in range(3)]
    return pd.DataFrame(rows, columns=VERTICAL_COLUMNS).assign(unit_from=[1, 1, np.nan])


def test_stack_lists_the_vertical_cells_of_a_cell_in_order_for_those_who_see_it(api) -> None:
    with session_scope(api.store.sessions) as s:
        load_vertical_cells(s, stack_rows(), [C1], VALID_FROM)
    r = api.get(f"/cells/{CELL}/stack", "admin")
    assert r.status_code == 200, r.text
    got = r.json()
    assert [v["code"] for v in got] == [f"{CELL}-01", f"{CELL}-02", f"{CELL}-03"]
    assert [(v["floor_from"], v["floor_to"]) for v in got] == [(1, 10), (11, 20), (21, 30)]
    assert got[2]["unit_from"] is None and got[0]["split"] == "floors"
    assert api.get(f"/cells/{CELL}/stack", "officer2").json() == []
    assert api.get(f"/cells/{CELL}/stack", "admin",
                   params={"at": "2001-01-01T00:00:00Z"}).json() == []
    # Loading the community's stacks again closes the old rows: still three now.
    with session_scope(api.store.sessions) as s:
        load_vertical_cells(s, stack_rows(), [C1])
    assert len(api.get(f"/cells/{CELL}/stack", "admin").json()) == 3


def test_stack_finds_the_vertical_cell_of_a_floor_and_unit(api) -> None:
    with session_scope(api.store.sessions) as s:
        load_vertical_cells(s, stack_rows(), [C1], VALID_FROM)
    got = api.get(f"/cells/{CELL}/stack", "admin", params={"floor": 15, "unit": 2}).json()
    assert [v["code"] for v in got] == [f"{CELL}-02"]
    assert api.get(f"/cells/{CELL}/stack", "admin", params={"floor": 31}).json() == []
    # The third range does not know its units, so it holds any unit of its floors.
    got = api.get(f"/cells/{CELL}/stack", "admin", params={"floor": 25, "unit": 7}).json()
    assert [v["code"] for v in got] == [f"{CELL}-03"]
    assert api.get(f"/cells/{CELL}/stack", "admin", params={"floor": "x"}).status_code == 422


def test_a_record_given_a_floor_lands_in_its_vertical_cell_and_is_counted(api) -> None:
    with session_scope(api.store.sessions) as s:  # the stack from now on
        load_vertical_cells(s, stack_rows(), [C1])
    soon = (datetime.now(UTC) + timedelta(seconds=1)).isoformat()
    body = record_body(lon=X0 + 0.004, lat=Y0 + 0.007, floor=12, unit=2, occurred_at=soon)
    r = api.post("/records", "officer", json=body)
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["cell_code"], got["floor"], got["unit"]) == (CELL, 12, 2)
    assert got["vertical_code"] == f"{CELL}-02"
    assert api.post("/records", "officer", json=body).status_code == 200  # a resend
    assert api.get(f"/records/{body['id']}", "officer").json()["vertical_code"] == f"{CELL}-02"
    stack = {v["code"]: v["records"] for v in api.get(f"/cells/{CELL}/stack", "admin").json()}
    assert stack[f"{CELL}-02"] >= 1
    # A floor no vertical cell holds leaves the record in its 2D cell only.
    far = record_body(lon=X0 + 0.004, lat=Y0 + 0.007, floor=40, occurred_at=soon)
    assert api.post("/records", "officer", json=far).json()["vertical_code"] is None
    bad = api.post("/records", "officer", json=record_body(floor="3"))
    assert bad.status_code == 422 and "floor" in bad.text
