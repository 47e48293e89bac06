"""Analytics endpoints on both backends, each figure checked against an independent computation
from the raw records (heat, drill-down, Gi*, period comparison, the pre-aggregate under edits)."""

from __future__ import annotations

import random
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import h3
import numpy as np
import pandas as pd
import pytest
from conftest import C1, C2, X0, Y0, W, fixture_cells, record_body
from sqlalchemy import text

import grid.analysis.hotspots as ghot
from api.analytics import heatagg

SH = ZoneInfo("Asia/Shanghai")
DAYS = {"from": "2022-06-01", "to": "2022-07-01"}
BASE = {"from": "2021-06-01", "to": "2021-07-01"}


def _make(api, n: int, seed: int, year: int = 2022, hot: bool = True) -> list[dict]:
    """``n`` incidents in June of ``year``; with ``hot``, a third crowd the north-west corner."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if hot and i % 3 == 0:
            lon, lat = X0 + rng.uniform(0.0005, 0.003), Y0 + W - rng.uniform(0.0005, 0.003)
        else:
            lon, lat = (
                X0 + rng.uniform(0.0005, 2 * W - 0.0005),
                Y0 + rng.uniform(0.0005, W - 0.0005),
            )
        when = datetime(year, 6, 1 + i % 30, rng.randrange(24), rng.randrange(60), tzinfo=SH)
        body = record_body(
            id=str(uuid.uuid4()),
            lon=lon,
            lat=lat,
            occurred_at=when.isoformat(),
            category=rng.choice(["fire", "traffic", "public_order"]),
        )
        r = api.post("/records", "officer" if lon < X0 + W else "officer2", json=body)
        assert r.status_code == 201, r.text
        out.append(r.json())
    return out


@pytest.fixture(scope="module")
def june(api):  # noqa: ANN001, ANN201
    """Records of June 2021 and June 2022 on this backend, made once per backend."""
    key = f"june-{api.backend}"
    if key not in api.tokens:
        _make(api, 60, seed=1, year=2021, hot=False)
        _make(api, 150, seed=2)
        api.tokens[key] = "done"
    return api


def raw(api) -> pd.DataFrame:  # noqa: ANN001
    """Every record straight from the table, with local day and hour."""
    with api.store.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT id, kind, category, h3, cell_code, community_code, occurred_at FROM records"
            )
        ).all()
    df = pd.DataFrame(
        rows, columns=["id", "kind", "category", "h3", "cell_code", "community_code", "occurred_at"]
    )
    t = pd.to_datetime(df["occurred_at"], utc=True).dt.tz_convert(SH)
    df["day"], df["hour"], df["weekday"] = t.dt.strftime("%Y-%m-%d"), t.dt.hour, t.dt.day_of_week
    return df


def in_days(df: pd.DataFrame, days: dict) -> pd.DataFrame:
    """Rows whose local day is in [from, to)."""
    return df[(df["day"] >= days["from"]) & (df["day"] < days["to"])]


def test_heat_counts_equal_a_direct_count(june):
    df = in_days(raw(june), DAYS)
    for params, sel in (
        ({}, df),
        ({"category": "fire"}, df[df.category == "fire"]),
        (
            {"hours": "18-23,0-2", "category": ["fire", "traffic"]},
            df[
                df.hour.isin([18, 19, 20, 21, 22, 23, 0, 1, 2])
                & df.category.isin(["fire", "traffic"])
            ],
        ),
        (
            {"weekdays": "5,6", "kind": "incident"},
            df[df.weekday.isin([5, 6]) & (df.kind == "incident")],
        ),
    ):
        for res in (8, 10, 11):
            got = june.get(
                "/analytics/heat", "police", params={**DAYS, **params, "res": res}
            ).json()
            counts = {f["id"]: f["properties"]["count"] for f in got["features"]}
            parents = sel.h3.map(lambda c, res=res: h3.cell_to_parent(c, res))
            expected = sel.groupby(parents).size().to_dict()
            assert counts == expected, (params, res)
            assert got["total"] == len(sel)
            assert all(f["id"] == f["properties"]["h3"] for f in got["features"])


def test_heat_over_whole_and_partial_months_equals_a_direct_count(june):
    """Periods mixing whole months (monthly rows) with days around them (daily rows), at stored
    resolutions (7, 9), one rolled up from them (5) and for a user limited to one community."""
    df = raw(june)
    for days in (
        {"from": "2021-06-10", "to": "2022-06-20"},
        {"from": "2021-05-01", "to": "2022-07-01"},
        {"from": "2022-06-03", "to": "2022-06-04"},
    ):
        sel = in_days(df, days)
        for params, mask in (
            ({}, sel.hour >= 0),
            (
                {"hours": "0-5,20", "category": "fire"},
                sel.hour.isin([0, 1, 2, 3, 4, 5, 20]) & (sel.category == "fire"),
            ),
            ({"weekdays": "0,6"}, sel.weekday.isin([0, 6])),
        ):
            want = sel[mask]
            for res, user, rows in (
                (7, "police", want),
                (9, "police", want),
                (5, "police", want),
                (9, "street", want),
                (9, "officer", want[want.community_code == C1]),
            ):
                got = june.get("/analytics/heat", user, params={**days, **params, "res": res})
                counts = {f["id"]: f["properties"]["count"] for f in got.json()["features"]}
                parent = rows.h3.map(lambda c: h3.cell_to_parent(c, res))  # noqa: B023
                assert counts == rows.groupby(parent).size().to_dict(), (days, params, res, user)


def test_colour_scale_stays_fixed_when_filters_change(june):
    a = june.get("/analytics/heat", "police", params={**DAYS, "res": 9}).json()
    b = june.get(
        "/analytics/heat", "police", params={**DAYS, "res": 9, "category": "fire", "hours": "8-12"}
    ).json()
    assert a["scale"] == b["scale"] and len(a["scale"]["breaks"]) >= 1
    for f in a["features"]:
        p = f["properties"]
        below = [x for x in a["scale"]["breaks"] if x <= p["count"]]
        assert p["class"] == len(below) - 1


def test_officer_heat_covers_only_own_cells(june):
    df = in_days(raw(june), DAYS)
    mine = df[df.community_code == C1]
    got = june.get("/analytics/heat", "officer", params={**DAYS, "res": 11}).json()
    assert sum(f["properties"]["count"] for f in got["features"]) == len(mine)


def test_bin_drill_down_lists_its_records_masked(june):
    df = in_days(raw(june), DAYS)
    heat = june.get("/analytics/heat", "police", params={**DAYS, "res": 8}).json()
    top = max(heat["features"], key=lambda f: f["properties"]["count"])
    recs = june.get(
        f"/analytics/bins/{top['id']}/records", "police", params={**DAYS, "limit": 2000}
    ).json()
    expected = df[df.h3.map(lambda c: h3.cell_to_parent(c, 8)) == top["id"]]
    assert {r["id"] for r in recs} == {str(uuid.UUID(str(i))) for i in expected.id}
    officer = june.get(
        f"/analytics/bins/{top['id']}/records", "officer", params={**DAYS, "limit": 2000}
    ).json()
    assert {r["cell_code"][:12] for r in officer} <= {C1}
    cell = june.get(f"/analytics/cells/{C2}001/records", "officer", params=DAYS)
    assert cell.status_code == 404


def test_h3_hotspots_equal_grid(june):
    df = in_days(raw(june), DAYS)
    got = june.get("/analytics/hotspots", "police", params={**DAYS, "res": 10}).json()
    ids = [f["id"] for f in got["features"]]
    bins = df.groupby(df.h3.map(lambda c: h3.cell_to_parent(c, 10))).size().rename("count")
    expected = ghot.h3_hotspots(bins.rename_axis("h3").reset_index(), k=1, universe=ids).set_index(
        "h3"
    )
    props = pd.DataFrame([f["properties"] for f in got["features"]]).set_index("h3")
    assert np.allclose(props.loc[expected.index, "z"], expected.z)
    assert np.allclose(props.loc[expected.index, "p"], expected.p)
    assert (props.loc[expected.index, "confidence"] == expected.confidence).all()
    assert (props["label"] == "hot").any(), "the crowded corner should be a hot spot"


def test_cell_hotspots_equal_grid(june):
    df = in_days(raw(june), DAYS)
    got = june.get("/analytics/hotspots", "police", params={**DAYS, "on": "cell"}).json()
    cells = fixture_cells().sort_values("code")
    counts = df.groupby("cell_code").size().reindex(cells.code, fill_value=0)
    expected = ghot.hotspots(counts.to_numpy(), ghot.queen_weights(cells.geometry.to_numpy()))
    props = pd.DataFrame([f["properties"] for f in got["features"]]).set_index("cell_code")
    assert list(props.index) == list(cells.code)
    assert (
        np.allclose(props.z, expected.z) and (props["count"].to_numpy() == counts.to_numpy()).all()
    )


def test_compare_with_same_month_last_year_equals_grid(june):
    df = raw(june)
    got = june.get("/analytics/compare", "police", params={**DAYS, "res": 8}).json()
    assert got["a"] == {"from": "2021-06-01", "to": "2021-07-01"}
    parent = df.h3.map(lambda c: h3.cell_to_parent(c, 8))
    a = in_days(df, BASE).pipe(lambda d: d.groupby(parent[d.index]).size())
    b = in_days(df, DAYS).pipe(lambda d: d.groupby(parent[d.index]).size())
    keys = sorted(set(a.index) | set(b.index))
    exp = ghot.compare_periods(
        a.reindex(keys, fill_value=0).to_numpy(),
        b.reindex(keys, fill_value=0).to_numpy(),
        exposure_a=30,
        exposure_b=30,
    )
    props = pd.DataFrame([f["properties"] for f in got["features"]])
    assert list(props.h3) == keys
    assert np.allclose(props.p, exp.p) and list(props.change) == list(exp.change)
    assert (props.b.sum(), props.a.sum()) == (len(in_days(df, DAYS)), len(in_days(df, BASE)))


def _aggregate_is_exact(api) -> None:  # noqa: ANN001
    """The stored pre-aggregate equals a rebuild from the records (rebuild rolled back)."""
    with api.store.engine.connect() as conn:
        trans = conn.begin()
        before = heatagg.snapshot(conn)
        heatagg.rebuild(conn)
        after = heatagg.snapshot(conn)
        trans.rollback()
    assert set(before) == {"heat_counts", "heat_bins"} == set(after)
    assert len(before["heat_bins"]) > len(before["heat_counts"]) > 0
    for table in before:
        pd.testing.assert_frame_equal(before[table], after[table], check_dtype=False)


def test_pre_aggregate_follows_creates_category_edits_and_moves(june):
    _aggregate_is_exact(june)
    rec = june.post(
        "/records",
        "officer",
        json=record_body(occurred_at="2022-06-15T23:30:00+08:00", category="fire"),
    ).json()

    def heat(p: dict) -> dict:
        return june.get(
            "/analytics/heat",
            "admin",
            params={"from": "2022-06-15", "to": "2022-06-16", "res": 11, **p},
        ).json()

    before = heat({"category": "traffic"})["total"]
    r = june.patch(
        f"/records/{rec['id']}", "officer", json={"version": rec["version"], "category": "traffic"}
    )
    assert r.status_code == 200, r.text
    assert heat({"category": "traffic"})["total"] == before + 1
    moved = june.patch(
        f"/records/{rec['id']}",
        "officer",
        json={
            "version": r.json()["version"],
            "lon": X0 + 0.001,
            "lat": Y0 + 0.001,
            "occurred_at": "2022-06-15T01:00:00+08:00",
        },
    ).json()
    assert moved["cell_code"] == C1 + "002"
    bins = {f["id"]: f["properties"]["count"] for f in heat({"hours": "1"})["features"]}
    assert bins.get(moved["h3"], 0) >= 1
    _aggregate_is_exact(june)


def test_table_counts_and_kpis_match_an_independent_computation(june):
    df = in_days(raw(june), DAYS)
    got = june.get("/analytics/table", "admin", params={**DAYS, "by": "cell"}).json()
    rows = {r["cell_code"]: r for r in got["rows"]}
    assert set(rows) == set(fixture_cells().code)
    for code, row in rows.items():
        sel = df[df.cell_code == code]
        assert row["incident"] == int((sel.kind == "incident").sum())
        assert row["total"] == len(sel)
    with june.store.engine.connect() as conn:
        cases = pd.DataFrame(
            conn.execute(
                text(
                    "SELECT cell_code, status, deadline, closed_at FROM records "
                    "WHERE kind IN ('incident','dispute')"
                )
            ).all(),
            columns=["cell", "status", "deadline", "closed"],
        )
    start = pd.Timestamp("2022-06-01", tz=SH)
    end = pd.Timestamp("2022-07-01", tz=SH)
    for c in ("deadline", "closed"):
        cases[c] = pd.to_datetime(cases[c], utc=True)
    for code, row in rows.items():
        due = closed = 0
        for _, k in cases[cases.cell == code].iterrows():
            if pd.isna(k.deadline) or k.status == "cancelled":
                continue
            done = k.status in ("closed", "evaluated") and not pd.isna(k.closed)
            is_due = (
                (start <= k.deadline < end)
                or (k.deadline < start and not (done and k.closed < start))
                or (done and start <= k.closed < end)
            )
            due += is_due
            closed += is_due and done and k.closed < end
        assert (row["due"], row["closed"]) == (due, closed), code
        assert row["closure_rate"] == (closed / due if due else None)


def test_table_exports_csv_with_bom_and_xlsx(june):
    import io

    import openpyxl

    csv = june.get(
        "/analytics/table", "street", params={**DAYS, "by": "community", "format": "csv"}
    )
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("社区编码") and len(lines) == 3
    x = june.get(
        "/analytics/table",
        "street",
        params={**DAYS, "by": "leader", "format": "xlsx", "lang": "en"},
    )
    ws = openpyxl.load_workbook(io.BytesIO(x.content)).active
    title = ws.cell(1, 1).value
    assert "2022-06-01 to 2022-06-30" in title and "generated" in title and "UTC+8" in title
    assert ws.cell(2, 1).value == "Leader" and ws.cell(2, 2).value == "Leader name"
    assert {ws.cell(r, 1).value for r in range(3, ws.max_row + 1)} == {"officer", "officer2"}
    assert ws.freeze_panes == "B3" and ws.column_dimensions["A"].width >= 8
    rate = [c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == "Closure rate"][0]
    assert ws.cell(3, rate).number_format == "0.0%"
    assert ws.cell(3, rate + 1).number_format in ("0.0%", "#,##0")
    by_cell = june.get("/analytics/table", "street", params={**DAYS, "by": "cell"}).json()
    assert by_cell["columns"][:3] == ["cell_code", "community_name", "leader_name"]
    assert all(r["community_name"] for r in by_cell["rows"])
    assert by_cell["text_columns"] == ["cell_code", "community_name", "leader_name"]


def test_coverage_and_siting(june):
    # building 1 (40 households) at X0+0.0025, Y0+0.0065; building 2 (60) ~1 km east
    body = {
        "kind": "station",
        "name": "一社区服务站",
        "lon": X0 + 0.0025,
        "lat": Y0 + 0.0060,
        "radius_m": 300,
    }
    assert june.post("/analytics/centres", "officer", json=body).status_code == 403
    if not june.get("/analytics/coverage", "admin").status_code == 200:
        assert june.post("/analytics/centres", "admin", json=body).status_code == 201
    got = june.get("/analytics/coverage", "admin").json()
    assert (got["households"], got["covered"]) == (100, 40)
    by = {c["community_code"]: c for c in got["communities"]}
    assert (by[C1]["covered"], by[C2]["uncovered"]) == (40, 60)
    assert got["uncovered_buildings_total"] == 1
    assert got["uncovered_buildings"]["features"][0]["properties"]["households"] == 60
    centre = got["centres"]["features"][0]["properties"]
    assert centre["allocated"] == 40 and centre["over_capacity"] is False
    site = june.get("/analytics/siting", "admin", params={"k": 1, "kind": "station"}).json()
    assert site["gain"] == 60 and site["share_after"] == 1.0
    walk = june.get("/analytics/coverage", "admin", params={"mode": "walking"})
    assert walk.status_code == 422 and walk.json()["detail"][0]["loc"] == ["query", "mode"]


@pytest.mark.parametrize(
    "params,loc",
    [
        ({"hours": "25"}, ["query", "hours"]),
        ({"weekdays": "1-x"}, ["query", "weekdays"]),
        ({"category": "nonsense"}, ["query", "category", 0]),
        ({"period": "2022-13"}, ["query", "period"]),
        ({"from": "2022-06-02", "to": "2022-06-01"}, ["query", "to"]),
        ({"res": 14}, ["query", "res"]),
    ],
)
def test_bad_filters_get_field_level_422(june, params, loc):
    r = june.get("/analytics/heat", "police", params=params)
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == loc


def test_analytics_needs_sign_in(june):
    assert june.client.get("/api/v1/analytics/heat").status_code == 401


def test_siting_respects_capacity_and_reports_load(june):
    """A site of capacity 25 serves 25 of the 60 uncovered households, not all of them."""
    got = june.get(
        "/analytics/siting", "admin", params={"k": 1, "kind": "station", "capacity": 25}
    ).json()
    site = got["sites"]["features"][0]["properties"]
    assert got["gain"] == 25 and site["allocated"] == 25 and site["capacity"] == 25
    assert got["mode"] == "straight" and got["share_after"] == pytest.approx(0.65)
    walk = june.get("/analytics/siting", "admin", params={"k": 1, "mode": "walking"})
    assert walk.status_code in (200, 422)
    if walk.status_code == 422:
        assert walk.json()["detail"][0]["loc"] == ["query", "mode"]


def test_centres_move_and_retire_through_one_write_path(june):
    body = {"kind": "station", "name": "临时服务站", "lon": X0 + 0.0025, "lat": Y0 + 0.0060}
    made = june.post("/analytics/centres", "admin", json=body)
    assert made.status_code == 201, made.text
    cid = made.json()["id"]
    east = {"lon": X0 + W + 0.0025, "lat": Y0 + 0.0060}
    assert june.patch(f"/analytics/centres/{cid}", "officer", json=east).status_code == 403
    half = june.patch(f"/analytics/centres/{cid}", "admin", json={"lon": X0 + W + 0.0025})
    assert half.status_code == 422 and half.json()["detail"][0]["loc"] == ["body", "lat"]
    moved = june.patch(f"/analytics/centres/{cid}", "admin", json={**east, "capacity": 10})
    assert moved.status_code == 200, moved.text
    assert moved.json()["community_code"] == C2 and moved.json()["capacity"] == 10
    ids = {
        f["properties"]["id"]: f["properties"]
        for f in june.get("/analytics/coverage", "admin").json()["centres"]["features"]
    }
    assert ids[cid]["load_share"] == pytest.approx(ids[cid]["allocated"] / 10)
    assert june.delete(f"/analytics/centres/{cid}", "admin").status_code == 204
    assert june.delete(f"/analytics/centres/{cid}", "admin").status_code == 404
    left = june.get("/analytics/coverage", "admin").json()["centres"]["features"]
    assert cid not in {f["properties"]["id"] for f in left}


def test_profile_weeks_matrix_and_categories_match_the_records(june):
    """Weekly counts (and last year's), the weekday × hour matrix and the category counts equal
    a direct count of the records; the matrix ignores the hour and weekday filters."""
    df = raw(june)
    now, then = in_days(df, DAYS), in_days(df, BASE)
    params = {**DAYS, "hours": "18-23", "weekdays": "5,6", "category": ["fire", "traffic"]}
    got = june.get("/analytics/profile", "police", params=params)
    assert got.status_code == 200, got.text
    p = got.json()
    def pick(d: pd.DataFrame) -> pd.DataFrame:
        chosen = d.hour.between(18, 23) & d.weekday.isin([5, 6])
        return d[chosen & d.category.isin(["fire", "traffic"])]

    def week(d: pd.DataFrame, start: str) -> pd.Series:
        return (pd.to_datetime(d.day) - pd.Timestamp(start)).dt.days // 7

    want = pick(now).groupby(week(pick(now), DAYS["from"])).size()
    assert [w["count"] for w in p["weekly"]] == [int(want.get(i, 0)) for i in range(5)]
    before = pick(then).groupby(week(pick(then), BASE["from"])).size()
    assert [w["last_year"] for w in p["weekly"]] == [int(before.get(i, 0)) for i in range(5)]
    both = now[now.category.isin(["fire", "traffic"])]
    m = np.array(p["matrix"])
    assert m.shape == (7, 24) and m.sum() == len(both)
    assert m[5, 20] == len(both[(both.weekday == 5) & (both.hour == 20)])
    cats = {(c["kind"], c["category"]): c["count"] for c in p["categories"]}
    assert cats == pick(now).groupby(["kind", "category"]).size().to_dict()
    assert p["total"] == len(pick(now))
    mine = june.get("/analytics/profile", "officer", params=DAYS).json()
    assert mine["total"] == len(now[now.community_code == C1])
