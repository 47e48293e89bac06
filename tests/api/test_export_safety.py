"""Release review: spreadsheets never run user text as formulas, and unknown filter values are
422s naming the parameter instead of silent zeros."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from conftest import record_body
from openpyxl import load_workbook

from api.analytics import table as analytics_table
from api.io.spreadsheet import safe_cell

EVIL = ('=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd")


def test_safe_cell_prefixes_formula_starts_only():
    assert [safe_cell(v) for v in EVIL] == ["'" + v for v in EVIL]
    assert [safe_cell(v) for v in ("正常", "a=b", "", -1, 2.5, None)] == [
        "正常",
        "a=b",
        "",
        -1,
        2.5,
        None,
    ]


def test_records_csv_export_neutralises_formulas(api):
    body = record_body(description=EVIL[0], occurred_at="2023-02-02T08:00:00+08:00")
    assert api.post("/records", "officer", json=body).status_code == 201
    params = {"format": "csv", "from": "2023-02-01T00:00:00Z", "to": "2023-02-03T00:00:00Z"}
    r = api.get("/export/records", "admin", params=params)
    assert r.status_code == 200
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    got = next(row for row in rows if row["id"] == body["id"])
    assert got["description"] == "'" + EVIL[0]
    assert float(got["lon"]) == body["lon"]  # numbers untouched


def test_analytics_table_csv_and_xlsx_neutralise_formulas():
    frame = pd.DataFrame({"leader": list(EVIL), "total": range(len(EVIL))})
    text = analytics_table.to_csv(frame, "en").decode("utf-8-sig")
    cells = [row[0] for row in csv.reader(io.StringIO(text, newline=""))][1:]
    assert cells == ["'" + v for v in EVIL]
    ws = load_workbook(io.BytesIO(analytics_table.to_xlsx(frame, "en", "=title"))).active
    assert ws.cell(1, 1).value == "'=title"
    got = [ws.cell(r, 1).value for r in range(3, ws.max_row + 1)]
    assert len(got) == len(EVIL) and all(v.startswith("'") for v in got)  # openpyxl: \r -> \n
    assert ws.cell(3, 2).value == 0


@pytest.mark.parametrize(
    ("path", "params", "loc"),
    [
        ("/stats/counts", {"category": "no-such"}, ["query", "category"]),
        ("/stats/counts", {"kind": "patrol", "category": "fire"}, ["query", "category"]),
        ("/export/records", {"kind": "no-such"}, ["query", "kind"]),
        ("/export/places", {"kind": "incident"}, ["query", "kind"]),
        ("/export/cells", {"kind": "incident"}, ["query", "kind"]),
        ("/analytics/heat", {"category": "no-such"}, ["query", "category", 0]),
    ],
)
def test_unknown_filter_values_refused(api, path, params, loc):
    r = api.get(path, "admin", params=params)
    assert r.status_code == 422, r.text
    assert r.json()["detail"][0]["loc"] == loc


def test_known_filter_values_still_work(api):
    assert api.get("/stats/counts", "admin", params={"category": "fire"}).status_code == 200
    ok = api.get("/stats/counts", "admin", params={"kind": "incident", "category": "fire"})
    assert ok.status_code == 200
    assert api.get("/export/places", "admin", params={"kind": "rental"}).status_code == 200
    assert api.get("/export/records", "admin", params={"kind": "patrol"}).status_code == 200
