"""Per-cell counts against an independent geopandas sjoin; KPIs; exports re-read with pyogrio."""

from __future__ import annotations

import io
import random
import uuid

import geopandas as gpd
import pandas as pd
import pyogrio
from conftest import C1, C2, X0, Y0, W, fixture_cells, record_body

PERIOD = {"from": "2023-03-01T00:00:00+00:00", "to": "2023-04-01T00:00:00+00:00"}


def _scatter(api, n: int, seed: int, month: int = 3) -> list[dict]:
    """Create ``n`` incidents at random points in ``month`` of 2023 (officer and officer2)."""
    rng = random.Random(seed)
    made = []
    for i in range(n):
        lon, lat = X0 + rng.uniform(0.0005, 2 * W - 0.0005), Y0 + rng.uniform(0.0005, W - 0.0005)
        user = "officer" if lon < X0 + W else "officer2"
        body = record_body(
            id=str(uuid.uuid4()),
            lon=lon,
            lat=lat,
            category=rng.choice(["fire", "traffic"]),
            occurred_at=f"2023-{month:02d}-{1 + i % 28:02d}T10:00:00+00:00",
        )
        r = api.post("/records", user, json=body)
        assert r.status_code == 201, r.text
        made.append(body)
    return made


def test_counts_match_geopandas_sjoin(api):
    made = _scatter(api, 40, seed=7)
    pts = gpd.GeoDataFrame(
        {"category": [b["category"] for b in made]},
        geometry=gpd.points_from_xy([b["lon"] for b in made], [b["lat"] for b in made]),
        crs=4326,
    )
    joined = gpd.sjoin(pts, fixture_cells(), predicate="within")
    for category in (None, "fire"):
        sel = joined if category is None else joined[joined.category == category]
        expected = sel.groupby("code").size().to_dict()
        params = {**PERIOD, "kind": "incident"} | ({"category": category} if category else {})
        got = api.get("/stats/counts", "admin", params=params).json()["counts"]
        assert {c["cell_code"]: c["count"] for c in got} == {
            code: expected.get(code, 0) for code in fixture_cells().code
        }
    officer = api.get("/stats/counts", "officer", params=PERIOD).json()["counts"]
    assert {c["cell_code"] for c in officer} == {C1 + "001", C1 + "002"}


def test_kpis_per_cell_and_community(api):
    rec = api.post("/records", "officer", json=record_body()).json()
    for action in ("register", "dispatch", "handle", "feedback"):
        rec = api.post(
            f"/records/{rec['id']}/transitions",
            "officer",
            json={"action": action, "version": rec["version"]},
        ).json()
    api.post(
        f"/records/{rec['id']}/transitions",
        "street",
        json={"action": "verify", "version": rec["version"]},
    )
    rows = api.get("/stats/kpis", "admin", params={"by": "cell"}).json()["rows"]
    cell = next(r for r in rows if r["cell_code"] == rec["cell_code"])
    assert cell["due"] >= 1 and cell["closed"] >= 1 and 0 < cell["closure_rate"] <= 1
    comm = api.get("/stats/kpis", "admin", params={"by": "community"}).json()["rows"]
    assert {r["community_code"] for r in comm} == {C1, C2}
    leaders = api.get("/stats/kpis", "admin", params={"by": "leader"}).json()["rows"]
    assert {"officer", "officer2"} <= {r["leader"] for r in leaders}


def test_exports_reread(api, tmp_path):
    _scatter(api, 6, seed=11, month=5)
    params = {
        "from": "2023-05-01T00:00:00Z",
        "to": "2023-06-01T00:00:00Z",
        "community": C1,
        "kind": "incident",
    }
    gj = api.get("/export/records", "admin", params={**params, "format": "geojson"})
    gdf = pyogrio.read_dataframe(io.BytesIO(gj.content))
    assert len(gdf) > 0 and set(gdf.community_code) == {C1}
    gpkg = api.get("/export/records", "admin", params={**params, "format": "gpkg"})
    path = tmp_path / "r.gpkg"
    path.write_bytes(gpkg.content)
    assert len(pyogrio.read_dataframe(path)) == len(gdf)
    csv = api.get("/export/records", "admin", params={**params, "format": "csv"})
    assert csv.content.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(io.BytesIO(csv.content), encoding="utf-8-sig")
    assert len(df) == len(gdf) and "楼道堆放杂物" in set(df.description)
    cells = api.get("/export/cells", "officer", params={"format": "gpkg"})
    (tmp_path / "c.gpkg").write_bytes(cells.content)
    assert set(pyogrio.read_dataframe(tmp_path / "c.gpkg").code) == {C1 + "001", C1 + "002"}
