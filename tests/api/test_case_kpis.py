"""/stats/kpis carries issue 13's KPIs, equal to a count straight from the tables."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from conftest import C1
from residents_helpers import close_case, report_body, resident
from sqlalchemy import text


def _rows(api, sql: str) -> list[tuple]:  # noqa: ANN001
    with api.store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def _aware(v) -> datetime:  # noqa: ANN001
    if isinstance(v, str):
        v = datetime.fromisoformat(v)
    return v if v.tzinfo else v.replace(tzinfo=UTC)


def test_kpis_match_the_tables(api):
    # a resident's report rated satisfied, a screening that found nothing, a settled mediation
    c = resident(api)
    r = c.post("/api/v1/public/reports", json=report_body())
    rid = _rows(
        api, f"SELECT record_id FROM resident_reports WHERE ticket = '{r.json()['ticket']}'"
    )
    close_case(api, str(uuid.UUID(str(rid[0][0]))))
    c.post(f"/api/v1/public/reports/{r.json()['ticket']}/rating", json={"rating": "dissatisfied"})
    now = datetime.now(UTC)
    body = {
        "id": str(uuid.uuid4()),
        "cell_code": C1 + "002",
        "at": now.isoformat(),
        "disputes_found": 0,
    }
    assert api.post("/screenings", "officer", json=body).status_code == 201
    end = now + timedelta(minutes=1)
    start = end - timedelta(days=30)
    got = api.get(
        "/stats/kpis",
        "admin",
        params={"by": "cell", "from": start.isoformat(), "to": end.isoformat()},
    )
    assert got.status_code == 200, got.text
    rows = {row["cell_code"]: row for row in got.json()["rows"]}
    # independent counts from the tables
    want_rated: dict[str, list[int]] = {}
    ratings = _rows(
        api,
        "SELECT r.cell_code, g.record_id, g.source, g.rating, g.at "
        "FROM ratings g JOIN records r ON r.id = g.record_id",
    )
    chosen: dict[object, tuple] = {}
    for cell, rec, source, rating, at in ratings:
        at = _aware(at)
        if not (start <= at < end):
            continue
        key = (source == "resident", at)
        if rec not in chosen or key > chosen[rec][0]:
            chosen[rec] = (key, cell, rating)
    for _, cell, rating in chosen.values():
        acc = want_rated.setdefault(cell, [0, 0])
        acc[0] += 1
        acc[1] += rating in ("satisfied", "basic")
    screened: dict[str, list[int]] = {}
    for cell, at, found in _rows(api, "SELECT cell_code, at, disputes_found FROM screenings"):
        if start <= _aware(at) < end:
            acc = screened.setdefault(cell, [0, 0])
            acc[0] += 1
            acc[1] += found == 0
    for cell, row in rows.items():
        assert [row["rated"], row["satisfied"]] == want_rated.get(cell, [0, 0]), cell
        assert [row["screenings"], row["screenings_nothing_found"]] == screened.get(cell, [0, 0])
        assert row["satisfaction_target"] == 0.9
        if row["rated"]:
            assert row["satisfaction_rate"] == row["satisfied"] / row["rated"]
        else:
            assert row["satisfaction_rate"] is None
    assert rows[C1 + "001"]["rated"] >= 1 and rows[C1 + "002"]["screenings"] >= 1
    for by in ("leader", "community"):
        r = api.get("/stats/kpis", "street", params={"by": by})
        assert r.status_code == 200 and "rectification_rate" in r.json()["rows"][0]


def test_table_exports_and_report_carry_the_new_kpis(api):
    import io

    import openpyxl

    from api.analytics import report
    from api.analytics.filters import month

    t = api.get("/analytics/table", "street", params={"by": "cell"})
    assert t.status_code == 200, t.text
    got = t.json()
    for col in (
        "rectification_rate",
        "on_time_rectification_rate",
        "satisfaction_rate",
        "screenings_nothing_found",
        "mediation_success_rate",
        "petition",
    ):
        assert col in got["columns"], col
    assert "目标" in got["labels"]["satisfaction_rate"]["zh"]
    csv = api.get("/analytics/table", "street", params={"by": "cell", "format": "csv"})
    assert "整改率" in csv.content.decode("utf-8-sig").splitlines()[0]
    x = api.get(
        "/analytics/table", "street", params={"by": "community", "format": "xlsx", "lang": "en"}
    )
    heads = [c.value for c in openpyxl.load_workbook(io.BytesIO(x.content)).active[2]]  # 1: title
    assert "Rectification rate" in heads and "Satisfaction (target ≥90%)" in heads
    now = datetime.now(UTC)
    html = report.build(api.store, C1, month(f"{now:%Y-%m}", ("period",)))
    assert "居民满意率" in html and "目标 ≥90%" in html
