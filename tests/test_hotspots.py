"""Gi* equals esda.G_Local(star=True) analytically; BH and the period comparison vs references."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from esda.getisord import G_Local
from libpysal.weights import WSP
from scipy import sparse, stats

from grid.analysis.hotspots import (
    bh_adjust,
    compare_periods,
    fdr,
    gi_star,
    h3_hotspots,
    h3_weights,
    hotspots,
    queen_weights,
)
from grid.errors import InputError


def esda_gi(values: np.ndarray, w: sparse.csr_array) -> tuple[np.ndarray, np.ndarray]:
    lw = WSP(sparse.csr_matrix(w)).to_W(silence_warnings=True)
    g = G_Local(values, lw, transform="B", star=True, permutations=0)
    return g.Zs, g.p_norm


def area_cells(res: int = 9, k: int = 8) -> np.ndarray:
    return np.array(sorted(h3.grid_disk(h3.latlng_to_cell(39.12, 117.2, res), k)))


def test_gi_star_on_h3_equals_esda() -> None:
    cells = area_cells()
    rng = np.random.default_rng(0)
    values = rng.poisson(3.0, cells.size).astype(float)
    w = h3_weights(cells, k=1)
    assert (w.diagonal() == 1).all()
    z, p = gi_star(values, w)
    ez, ep = esda_gi(values, w)
    np.testing.assert_allclose(z, ez, atol=1e-6)
    np.testing.assert_allclose(p, 2 * ep, atol=1e-6)  # esda's p_norm is one-sided


def test_gi_star_on_queen_cells_equals_esda() -> None:
    rng = np.random.default_rng(1)
    frame = shapely.box(0, 0, 100, 100)
    sites = shapely.multipoints(rng.uniform(0, 100, (150, 2)))
    polys = shapely.intersection(
        shapely.get_parts(shapely.voronoi_polygons(sites, extend_to=frame)), frame
    )
    w = queen_weights(polys)
    assert (w != w.T).nnz == 0 and (w.diagonal() == 1).all()
    values = rng.gamma(2.0, 3.0, polys.size)
    z, p = gi_star(values, w)
    ez, ep = esda_gi(values, w)
    np.testing.assert_allclose(z, ez, atol=1e-6)
    np.testing.assert_allclose(p, 2 * ep, atol=1e-6)


def bh_reference(p: np.ndarray, alpha: float) -> np.ndarray:
    """Step-up BH written out plainly: reject the k smallest where k is the largest rank
    with p_(k) <= k * alpha / m."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    k = 0
    for rank, i in enumerate(order, start=1):
        if p[i] <= rank * alpha / m:
            k = rank
    out = np.zeros(m, dtype=bool)
    for i in order[:k]:
        out[i] = True
    return out


@pytest.mark.parametrize("seed", range(5))
def test_fdr_equals_step_up_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = np.concatenate([rng.uniform(0, 1, 200), rng.uniform(0, 0.01, 20)])
    for alpha in (0.01, 0.05, 0.1):
        np.testing.assert_array_equal(fdr(p, alpha), bh_reference(p, alpha))
    assert bh_adjust([0.01, 0.04, 0.03]).tolist() == pytest.approx([0.03, 0.04, 0.04])


def test_planted_cluster_is_hot_and_background_not() -> None:
    cells = area_cells(k=10)
    centre = h3.latlng_to_cell(39.12, 117.2, 9)
    rng = np.random.default_rng(2)
    counts = rng.poisson(2.0, cells.size)
    hot = np.isin(cells, list(h3.grid_disk(centre, 1)))
    counts[hot] += 25

    out = h3_hotspots(pd.DataFrame({"h3": cells, "count": counts})).set_index("h3")
    assert out.loc[centre, "label"] == "hot" and out.loc[centre, "confidence"] == 99
    assert out.loc[centre, "gi_bin"] == 3
    far = np.array([h3.grid_distance(centre, c) >= 4 for c in out.index])
    assert (out.loc[far, "label"] != "hot").all()
    no_fdr = hotspots(out["count"].to_numpy(), h3_weights(out.index.to_numpy()), use_fdr=False)
    assert (no_fdr["confidence"] >= out["confidence"].to_numpy()).all()


def test_universe_fills_missing_bins_with_zero() -> None:
    cells = area_cells(k=3)

    out = h3_hotspots(pd.DataFrame({"h3": cells[:10], "count": np.arange(10)}), universe=cells)
    assert len(out) == cells.size and out["count"].sum() == 45


def test_compare_periods_against_scipy_binomtest() -> None:
    rng = np.random.default_rng(3)
    a = rng.poisson(8, 60)
    b = rng.poisson(8, 60)
    a[:3], b[:3] = 5, 40  # clear rises
    a[3], b[3] = 0, 0
    out = compare_periods(a, b, exposure_a=30, exposure_b=31)
    share = 31 / 61
    for i in range(4, 60):
        n = int(a[i] + b[i])
        lo = stats.binomtest(int(b[i]), n, share, alternative="less").pvalue
        hi = stats.binomtest(int(b[i]), n, share, alternative="greater").pvalue
        assert out["p"].iloc[i] == pytest.approx(min(1.0, 2 * min(lo, hi)), rel=1e-9)
    assert (out["change"].iloc[:3] == "rise").all() and out["p"].iloc[3] == 1.0
    assert (out["change"].iloc[4:] != "rise").sum() >= 50
    fall = compare_periods([40], [5])
    assert fall["change"].iloc[0] == "fall" and fall["rate_ratio"].iloc[0] == pytest.approx(0.125)


def test_bad_input() -> None:
    with pytest.raises(InputError):
        gi_star([1.0, 1.0, 1.0], sparse.eye_array(3))
    with pytest.raises(InputError):
        gi_star([1.0, 2.0], sparse.eye_array(3))
    with pytest.raises(InputError):
        compare_periods([1, 2], [1])
    with pytest.raises(InputError):
        compare_periods([1.5], [1])
    with pytest.raises(InputError):
        fdr([0.1], alpha=2)
