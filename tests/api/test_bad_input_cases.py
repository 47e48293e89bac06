"""The bad-input table of issue 13's endpoints: each refusal is a field-level 4xx and writes
nothing (every new table and the records are counted before and after)."""

from __future__ import annotations

import uuid

import pytest
from conftest import C1, X0, Y0
from residents_helpers import report_body, resident

TABLES = (
    "records",
    "resident_reports",
    "ratings",
    "rectifications",
    "rectification_steps",
    "mediations",
    "mediation_sessions",
    "screenings",
    "photos",
)
RID = "00000000-0000-4000-8000-000000000000"

CASES = [
    (
        "report: unknown category",
        "/public/reports",
        None,
        report_body(category="ufo"),
        422,
        ["body", "category"],
    ),
    (
        "report: swapped lat/lon",
        "/public/reports",
        None,
        report_body(lon=Y0 + 0.007, lat=X0 + 0.004),
        422,
        ["body", "lat"],
    ),
    (
        "report: outside every cell",
        "/public/reports",
        None,
        report_body(lon=116.0, lat=39.9),
        422,
        ["body", "lon"],
    ),
    (
        "report: unknown field",
        "/public/reports",
        None,
        {**report_body(), "name": "张三"},
        422,
        ["body", "name"],
    ),
    (
        "report: bad phone",
        "/public/reports",
        None,
        report_body(phone="abc"),
        422,
        ["body", "phone"],
    ),
    (
        "report: forged photo",
        "/public/reports",
        None,
        report_body(photos=["a" * 64 + "." + "b" * 32]),
        422,
        ["body", "photos", 0],
    ),
    ("report: crs unknown", "/public/reports", None, report_body(crs="mars"), 422, ["body", "crs"]),
    (
        "rating: unknown ticket",
        "/public/reports/nope/rating",
        None,
        {"rating": "satisfied"},
        404,
        ["path", "ticket"],
    ),
    (
        "callback: unknown record",
        f"/records/{RID}/ratings",
        "officer",
        {"rating": "basic"},
        404,
        ["path", "id"],
    ),
    (
        "screening: bad cell code",
        "/screenings",
        "officer",
        {
            "id": str(uuid.uuid4()),
            "cell_code": "12",
            "at": "2024-05-01T08:00:00+08:00",
            "disputes_found": 0,
        },
        422,
        ["body", "cell_code"],
    ),
    (
        "screening: negative count",
        "/screenings",
        "officer",
        {
            "id": str(uuid.uuid4()),
            "cell_code": C1 + "001",
            "at": "2024-05-01T08:00:00+08:00",
            "disputes_found": -1,
        },
        422,
        ["body", "disputes_found"],
    ),
    (
        "screening: future",
        "/screenings",
        "officer",
        {
            "id": str(uuid.uuid4()),
            "cell_code": C1 + "001",
            "at": "2099-01-01T00:00:00+00:00",
            "disputes_found": 0,
        },
        422,
        ["body", "at"],
    ),
    (
        "step: unknown rectification",
        f"/rectifications/{RID}/steps",
        "officer",
        {"action": "order", "version": 1},
        404,
        ["path", "id"],
    ),
    (
        "mediation session: naive time",
        f"/records/{RID}/mediation/sessions",
        "officer",
        {"at": "2024-05-01T08:00:00"},
        422,
        ["body", "at"],
    ),
]


@pytest.mark.parametrize(
    ("name", "path", "user", "body", "status", "loc"), CASES, ids=[c[0] for c in CASES]
)
def test_refused_and_nothing_written(api, name, path, user, body, status, loc):  # noqa: ANN001
    before = {t: api.count(t) for t in TABLES}
    if user is None:
        r = resident(api).post("/api/v1" + path, json=body)
    else:
        r = api.post(path, user, json=body)
    assert r.status_code == status, r.text
    assert r.json()["detail"][0]["loc"] == loc
    assert {t: api.count(t) for t in TABLES} == before
