"""Records → cells in batch: grid.analysis.assign.CellIndex against geopandas.sjoin (DESIGN §8:
≥10×).

1M uniform random points over ~900 Voronoi cells clipped to a 6 km × 5 km district-sized frame in
metres. Both sides get the same points and cells. sjoin builds its STRtree on every call, so the
honest batch figure for ours includes building the index too; lookup alone is shown beside it.
Runs alternate between the methods and each figure is the best of REPEATS: the machine is shared.
Run: .venv/bin/python bench/assign.py
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from grid.analysis.assign import CellIndex

N_POINTS = 1_000_000
N_CELLS = 900
REPEATS = 5


def tiling(n: int, seed: int) -> gpd.GeoDataFrame:
    """Voronoi cells of ``n`` random sites clipped to a 6 km × 5 km frame (metres)."""
    rng = np.random.default_rng(seed)
    frame = shapely.box(0.0, 0.0, 6000.0, 5000.0)
    sites = shapely.multipoints(rng.uniform((0, 0), (6000, 5000), size=(n, 2)))
    polys = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(sites, extend_to=frame)), frame
    )
    return gpd.GeoDataFrame({"code": [f"{i:015d}" for i in range(len(polys))]}, geometry=polys)


def row(name: str, seconds: float, points: bool = True) -> str:
    """One table line: method, seconds and (for work over all points) points per second."""
    rate = f"{N_POINTS / seconds:>14,.0f}" if points else f"{'':>14}"
    return f"{name:<38}{seconds:>10.3f}{rate}"


def main() -> None:
    """Time both methods on the same data, check they agree, print the table and the ratios."""
    cells = tiling(N_CELLS, seed=0)
    rng = np.random.default_rng(1)
    x = rng.uniform(-100, 6100, N_POINTS)
    y = rng.uniform(-100, 5100, N_POINTS)
    geoms, codes = cells.geometry.values, cells["code"].to_numpy()
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y))

    best = dict.fromkeys(("build", "lookup", "total", "within", "intersects"), np.inf)
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        index = CellIndex(geoms, codes)
        t1 = time.perf_counter()
        ours = index.lookup(x, y)
        t2 = time.perf_counter()
        best["build"] = min(best["build"], t1 - t0)
        best["lookup"] = min(best["lookup"], t2 - t1)
        best["total"] = min(best["total"], t2 - t0)
        for predicate in ("within", "intersects"):
            t = time.perf_counter()
            joined = gpd.sjoin(pts, cells, predicate=predicate, how="left")
            best[predicate] = min(best[predicate], time.perf_counter() - t)
            if predicate == "within":
                peer = joined["code"].to_numpy()

    assert len(peer) == N_POINTS, "a random point fell on a shared edge; pick another seed"
    agree = np.mean(np.where(pd.isna(peer), pd.isna(ours), ours == peer))
    sj = min(best["within"], best["intersects"])
    print(f"{N_POINTS:,} points, {len(cells)} cells; agreement with sjoin: {agree:.4f}")
    print(f"best of {REPEATS}, runs alternating between methods")
    print(f"{'method':<38}{'seconds':>10}{'points/s':>14}")
    print(row("wangge CellIndex build", best["build"], points=False))
    print(row("wangge CellIndex lookup", best["lookup"]))
    print(row("wangge build + lookup", best["total"]))
    print(row("geopandas.sjoin (within)", best["within"]))
    print(row("geopandas.sjoin (intersects)", best["intersects"]))
    print(
        f"ratio faster sjoin / lookup: {sj / best['lookup']:.1f}x; "
        f"faster sjoin / (build + lookup): {sj / best['total']:.1f}x (target ≥10x)"
    )


if __name__ == "__main__":
    main()
