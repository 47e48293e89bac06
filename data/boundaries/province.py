"""A seeded synthetic province, made from the Heping sample (generate.py's output), for the
province-scale tests and bench/province.py.

The sample's 67 communities and their buildings are copied as tiles on a square layout, side by
side; tile t becomes district ``110000 + t`` (its streets and communities renumbered under it, so
codes stay 6/9/12 digits). Each tile keeps ``per_tile`` communities, taken round-robin across the
six streets, and a seeded random share of their buildings, so that communities hold about
``households`` households each. Roads are not copied. ``make_records`` draws records (lon, lat,
occurred_at) around random buildings, in Parquet parts of bounded size, for any count.

    .venv/bin/python data/boundaries/province.py --communities 5000 --out /tmp/province
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

HERE = Path(__file__).resolve().parent
GAP = 1.02  # tiles are laid out this many tile-widths apart
ID_STRIDE = 100_000  # building ids: tile * ID_STRIDE + sample id
#: records per Parquet row group: what a reader holds at once (about 0.25 GB decoded)
RECORDS_PER_ROW_GROUP = 500_000


def _sample() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, np.ndarray]:
    """The Heping communities in round-robin street order, their buildings, and each
    building's community position (by its representative point; -1 for none)."""
    comm = gpd.read_file(HERE / "heping_communities.geojson")
    rank = comm.groupby("street_code").cumcount()
    comm = comm.assign(_r=rank).sort_values(["_r", "code"]).drop(columns="_r")
    comm = comm.reset_index(drop=True)
    bld = gpd.read_file(HERE / "heping_buildings.geojson")
    pts = shapely.points(shapely.get_coordinates(bld.geometry.representative_point()))
    hit_b, hit_c = shapely.STRtree(comm.geometry.values).query(pts, predicate="intersects")
    owner = np.full(len(bld), -1, dtype=np.int64)
    owner[hit_b[::-1]] = hit_c[::-1]
    return comm, bld, owner


def _shifted(geoms: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """``geoms`` moved by (dx, dy) degrees."""
    return shapely.transform(geoms, lambda xy: xy + [dx, dy])


def make_province(
    communities: int, *, seed: int = 0, households: int = 500, per_tile: int = 67
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """``communities`` communities and their buildings (WGS84), about ``households`` each."""
    comm, bld, owner = _sample()
    per_tile = min(per_tile, len(comm))
    tiles = -(-communities // per_tile)
    side = int(np.ceil(np.sqrt(tiles)))
    x0, y0, x1, y1 = comm.total_bounds
    from grid.input.households import estimate_households

    hh = estimate_households(bld)["households"].to_numpy(dtype=float)
    per_comm = np.bincount(owner[owner >= 0], weights=hh[owner >= 0], minlength=len(comm))
    keep_share = np.minimum(1.0, households / np.maximum(per_comm, 1))
    rng = np.random.default_rng(seed)
    comm_parts, bld_parts = [], []
    for t in range(tiles):  # a loop over tiles (dozens), not features
        n = min(per_tile, communities - t * per_tile)
        dx, dy = (t % side) * (x1 - x0) * GAP, (t // side) * (y1 - y0) * GAP
        district = f"{110000 + t:06d}"
        c = comm.iloc[:n].copy()
        c["code"] = district + c["code"].str.slice(6)
        c["street_code"] = district + c["street_code"].str.slice(6)
        c["name"] = c["name"] + f"·{t}"
        c["geometry"] = _shifted(c.geometry.values, dx, dy)
        mine = (owner >= 0) & (owner < n)
        mine &= rng.random(len(bld)) < keep_share[np.maximum(owner, 0)]
        b = bld[mine].copy()
        b["id"] = t * ID_STRIDE + b["id"].astype(np.int64)
        b["geometry"] = _shifted(b.geometry.values, dx, dy)
        comm_parts.append(c)
        bld_parts.append(b)
    c_all = gpd.GeoDataFrame(pd.concat(comm_parts, ignore_index=True), crs=comm.crs)
    b_all = gpd.GeoDataFrame(pd.concat(bld_parts, ignore_index=True), crs=bld.crs)
    return c_all, b_all


def make_records(
    buildings: gpd.GeoDataFrame, n: int, out: Path, *, seed: int = 0,
    rows_per_part: int = 2_000_000, days: int = 730, geometry: bool = False,
) -> list[Path]:
    """Write ``n`` records (id, lon, lat, occurred_at) around random buildings (about 30 m
    away) over ``days`` days from 2024-01-01 as Parquet parts in the folder ``out``; with
    ``geometry``, GeoParquet parts (id, occurred_at, point geometry) instead."""
    out.mkdir(parents=True, exist_ok=True)
    xy = shapely.get_coordinates(buildings.geometry.representative_point())
    rng = np.random.default_rng(seed)
    start = np.datetime64("2024-01-01T00:00:00", "s").astype(np.int64)
    paths = []
    for k, lo in enumerate(range(0, n, rows_per_part)):  # a loop over parts, not records
        m = min(rows_per_part, n - lo)
        at = rng.integers(0, len(xy), m)
        frame = pd.DataFrame({
            "id": np.arange(lo, lo + m, dtype=np.int64),
            "lon": xy[at, 0] + rng.normal(0, 3e-4, m),
            "lat": xy[at, 1] + rng.normal(0, 3e-4, m),
            "occurred_at": (start + rng.integers(0, days * 86400, m)).astype("datetime64[s]"),
        })
        path = out / f"part.{k:05d}.parquet"
        if geometry:
            write_points(frame, buildings.crs, path)
        else:
            frame.to_parquet(path, index=False, row_group_size=RECORDS_PER_ROW_GROUP)
        paths.append(path)
    return paths


def point_wkb(x: np.ndarray, y: np.ndarray) -> pa.BinaryArray:
    """Points as little-endian WKB, built from the coordinates' bytes (no geometry objects:
    10⁸ records are written in minutes, not an hour)."""
    n = len(x)
    raw = np.empty((n, 21), dtype=np.uint8)
    raw[:, :5] = [1, 1, 0, 0, 0]  # little endian, type 1 (Point)
    raw[:, 5:13] = np.ascontiguousarray(x, dtype="<f8").view(np.uint8).reshape(n, 8)
    raw[:, 13:] = np.ascontiguousarray(y, dtype="<f8").view(np.uint8).reshape(n, 8)
    offsets = np.arange(0, 21 * (n + 1), 21, dtype=np.int32)
    return pa.Array.from_buffers(pa.binary(), n, [None, pa.py_buffer(offsets),
                                                  pa.py_buffer(raw)])


def write_points(frame: pd.DataFrame, crs, path: Path) -> None:
    """``frame``'s records as GeoParquet: id, occurred_at and their lon/lat as point geometry."""
    geo = {"version": "1.0.0", "primary_column": "geometry", "columns": {"geometry": {
        "encoding": "WKB", "geometry_types": ["Point"], "crs": crs.to_json_dict()}}}
    table = pa.table({"id": frame["id"].to_numpy(),
                      "occurred_at": frame["occurred_at"].to_numpy(),
                      "geometry": point_wkb(frame["lon"].to_numpy(), frame["lat"].to_numpy())})
    pq.write_table(table.replace_schema_metadata({"geo": json.dumps(geo)}), path,
                   row_group_size=RECORDS_PER_ROW_GROUP)


def main() -> None:
    """Write a province's communities and buildings as GeoParquet (and records if asked)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--communities", type=int, default=5000)
    ap.add_argument("--households", type=int, default=500, help="per community (about)")
    ap.add_argument("--records", type=int, default=0)
    ap.add_argument("--geo-records", action="store_true",
                    help="records as GeoParquet points instead of lon/lat columns")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True, help="folder to write into")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    comm, bld = make_province(args.communities, seed=args.seed, households=args.households)
    comm.to_parquet(args.out / "communities.parquet")
    bld.to_parquet(args.out / "buildings.parquet", row_group_size=20_000)
    if args.records:
        make_records(bld, args.records, args.out / "records.parquet", seed=args.seed,
                     geometry=args.geo_records)
    print(f"{len(comm)} communities, {len(bld)} buildings, "
          f"about {args.households * len(comm)} households → {args.out}")


if __name__ == "__main__":
    main()
