"""Hot and cold spots (Getis–Ord Gi*) on H3 bins or cells, and rises/falls between two periods.

Gi* uses binary weights including each unit itself (neighbours by H3 ``grid_disk`` or by queen
contiguity of cell polygons), analytic z-scores and two-sided normal p-values, and controls the
false discovery rate with Benjamini–Hochberg — as ArcGIS's Optimized Hot Spot Analysis does, with
the same bins: ±3, ±2, ±1 for hot/cold at 99, 95 and 90 % confidence, 0 for not significant.
"""

from __future__ import annotations

from collections.abc import Sequence

import h3
import numpy as np
import pandas as pd
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy import sparse, stats

from grid.errors import InputError

CONFIDENCE_LEVELS = (99, 95, 90)  # strongest first; the bin number is 3, 2, 1 respectively


def h3_weights(cells: Sequence[str] | NDArray[np.str_], k: int = 1) -> sparse.csr_array:
    """Binary weights among ``cells``: 1 where two are within ``k`` H3 steps (self included)."""
    cells = np.asarray(cells, dtype=str)
    if k < 0:
        raise InputError(f"k must be >= 0, got {k}", field="k")
    pos = pd.Index(cells)
    if not pos.is_unique:
        raise InputError("H3 cells must be unique", field="h3")
    disks = [h3.grid_disk(c, k) for c in cells.tolist()]  # one C call per cell
    rows = np.repeat(np.arange(cells.size), [len(d) for d in disks])
    cols = pos.get_indexer(np.concatenate(disks) if disks else np.zeros(0, dtype=str))
    keep = cols >= 0
    data = np.ones(int(keep.sum()))
    return sparse.csr_array((data, (rows[keep], cols[keep])), shape=(cells.size, cells.size))


def queen_weights(polygons: Sequence[shapely.Geometry] | NDArray[np.object_]) -> sparse.csr_array:
    """Binary queen contiguity among polygons (sharing any boundary point), self included."""
    geoms = np.asarray(polygons, dtype=object)
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    return sparse.csr_array((np.ones(i.size), (i, j)), shape=(geoms.size, geoms.size))


def gi_star(
    values: ArrayLike, weights: sparse.sparray | sparse.spmatrix
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Getis–Ord Gi* z-scores and two-sided normal p-values of ``values`` under ``weights``
    (which should include each unit's own weight)."""
    x = np.asarray(values, dtype=float)
    w = sparse.csr_array(weights)
    n = x.size
    if w.shape != (n, n):
        raise InputError(f"weights are {w.shape} but there are {n} values", field="weights")
    if n < 3:
        raise InputError("Gi* needs at least 3 units", field="values")
    mean = x.mean()
    sd = np.sqrt((x**2).mean() - mean**2)
    if sd == 0:
        raise InputError("all values are equal: Gi* is undefined", field="values")
    wsum = np.asarray(w.sum(axis=1)).ravel()
    w2sum = np.asarray(w.multiply(w).sum(axis=1)).ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (w @ x - mean * wsum) / (sd * np.sqrt((n * w2sum - wsum**2) / (n - 1)))
    z = np.where(np.isfinite(z), z, 0.0)  # a unit whose neighbourhood is everything: no evidence
    return z, 2.0 * stats.norm.sf(np.abs(z))


def bh_adjust(p: ArrayLike) -> NDArray[np.float64]:
    """Benjamini–Hochberg adjusted p-values (q-values): reject where q <= alpha."""
    pv = np.asarray(p, dtype=float)
    n = pv.size
    order = np.argsort(pv)
    scaled = pv[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1.0)
    return out


def fdr(p: ArrayLike, alpha: float = 0.05) -> NDArray[np.bool_]:
    """Which tests Benjamini–Hochberg rejects at false discovery rate ``alpha``."""
    if not 0 < alpha < 1:
        raise InputError(f"alpha must be between 0 and 1, got {alpha}", field="alpha")
    return bh_adjust(p) <= alpha


def _confidence(p: NDArray[np.float64], use_fdr: bool) -> NDArray[np.int64]:
    """The highest confidence level (99/95/90) at which each p-value is significant, else 0."""
    q = bh_adjust(p) if use_fdr else p
    level = np.zeros(p.size, dtype=np.int64)
    for conf in CONFIDENCE_LEVELS[::-1]:  # weakest first, so stronger levels overwrite
        level[q <= 1 - conf / 100] = conf
    return level


def hotspots(
    values: ArrayLike, weights: sparse.sparray | sparse.spmatrix, *, use_fdr: bool = True
) -> pd.DataFrame:
    """Gi* hot/cold spots: per unit ``z``, ``p``, ``confidence`` (99/95/90/0), ``gi_bin``
    (−3..3) and ``label`` ("hot", "cold", "not significant"); FDR-corrected unless use_fdr=False."""
    z, p = gi_star(values, weights)
    conf = _confidence(p, use_fdr)
    strength = np.select([conf == 99, conf == 95, conf == 90], [3, 2, 1], 0)
    gi_bin = np.sign(z).astype(np.int64) * strength
    label = np.select([gi_bin > 0, gi_bin < 0], ["hot", "cold"], "not significant")
    return pd.DataFrame({"z": z, "p": p, "confidence": conf, "gi_bin": gi_bin, "label": label})


def h3_hotspots(
    bins: pd.DataFrame,
    *,
    k: int = 1,
    universe: Sequence[str] | NDArray[np.object_ | np.str_] | None = None,
    use_fdr: bool = True,
) -> pd.DataFrame:
    """Hot spots of H3 bins (columns ``h3``, ``count``); ``universe`` lists the study area's cells
    (missing ones count 0), else the study area is the bins given."""
    counts = bins.groupby("h3")["count"].sum()
    if universe is not None:
        counts = counts.reindex(pd.Index(np.unique(np.asarray(universe, dtype=str))), fill_value=0)
    out = hotspots(counts.to_numpy(), h3_weights(counts.index.to_numpy(), k), use_fdr=use_fdr)
    out.insert(0, "count", counts.to_numpy())
    out.insert(0, "h3", counts.index.to_numpy())
    return out


def compare_periods(
    counts_a: ArrayLike,
    counts_b: ArrayLike,
    *,
    exposure_a: float = 1.0,
    exposure_b: float = 1.0,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Per-bin rise or fall from period A to period B beyond chance, with FDR over all bins.

    Test: if a bin's rate did not change, then given its total ``n = a + b`` the count in B is
    Binomial(n, exposure_b / (exposure_a + exposure_b)) (exposures: e.g. period lengths in days).
    The two-sided p-value is twice the smaller tail, capped at 1; Benjamini–Hochberg at ``alpha``
    decides "rise"/"fall"/"no change". ``rate_ratio`` is (b / exposure_b) / (a / exposure_a).
    """
    a = np.asarray(counts_a, dtype=float)
    b = np.asarray(counts_b, dtype=float)
    if a.shape != b.shape:
        raise InputError(f"{a.size} counts for A but {b.size} for B", field="counts_b")
    if (a < 0).any() or (b < 0).any() or (a % 1 != 0).any() or (b % 1 != 0).any():
        raise InputError("counts must be non-negative integers", field="counts")
    if exposure_a <= 0 or exposure_b <= 0:
        raise InputError("exposures must be positive", field="exposure")
    n = a + b
    share = exposure_b / (exposure_a + exposure_b)
    lower = stats.binom.cdf(b, n, share)
    upper = stats.binom.sf(b - 1, n, share)
    p = np.where(n > 0, np.minimum(1.0, 2.0 * np.minimum(lower, upper)), 1.0)
    significant = fdr(p, alpha)
    expected_b = n * share
    change = np.select(
        [significant & (b > expected_b), significant & (b < expected_b)],
        ["rise", "fall"],
        "no change",
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = (b / exposure_b) / (a / exposure_a)
    return pd.DataFrame(
        {"a": a, "b": b, "expected_b": expected_b, "rate_ratio": ratio, "p": p, "change": change}
    )
