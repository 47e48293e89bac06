"""Capacitated maximal covering: where to add ``k`` centres so the most households are *served*,
each within its reach of a centre (straight line or walking on the roads) and no centre beyond
its capacity (a capacitated MCLP after Current & Storbeck, 1988).

Existing centres stay open with their capacity. Households are divisible demand (a building's
households may be split between centres), so for a fixed set of open centres the households
served is a max-flow, solved exactly as a linear programme (``served``). The sites come from a
greedy fill (each step opens the candidate that serves most of the demand still unserved, up to
its capacity) and, when the instance is small, an exact MILP (``scipy.optimize.milp``); the
better of the two is returned, scored by the same exact flow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, sparse

from grid.analysis.coverage import RoadGraph, _radii, _weights, _xy, network_pairs, reach_pairs
from grid.errors import InputError

_MILP_MAX_PAIRS = 30_000  # above this many (centre, household) pairs only the greedy fill runs


@dataclass(frozen=True)
class Pairs:
    """Who may serve whom: (centre, household, distance) with centres numbered existing first,
    then the candidates; ``capacity`` per centre and ``weight`` (households) per household."""

    c: NDArray[np.int64]
    h: NDArray[np.int64]
    d: NDArray[np.float64]
    capacity: NDArray[np.float64]
    weight: NDArray[np.float64]
    existing: int  # how many of the centres are already open


@dataclass(frozen=True)
class CapacitatedSiting:
    """The chosen candidates, households served before and after, and each open centre's load."""

    chosen: NDArray[np.int64]  # candidate indices, sorted
    served_before: float  # households served by the existing centres alone, within capacity
    served_after: float  # with the chosen sites added
    load: NDArray[np.float64]  # per open centre (existing, then chosen): households served
    method: str  # "greedy" or "milp": which produced the answer

    @property
    def gain(self) -> float:
        """Households newly served thanks to the chosen sites."""
        return self.served_after - self.served_before


def pairs(
    households_xy: ArrayLike,
    centres_xy: ArrayLike,
    radius: ArrayLike,
    roads: RoadGraph | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """All (centre, household, distance) within each centre's radius: straight line, or walking
    on ``roads`` when given (``grid.analysis.coverage.network_pairs``)."""
    hh, cc = _xy(households_xy, "households_xy"), _xy(centres_xy, "centres_xy")
    r = _radii(radius, len(cc))
    return reach_pairs(hh, cc, r) if roads is None else network_pairs(hh, cc, r, roads)


def served(p: Pairs, open_: NDArray[np.bool_]) -> tuple[float, NDArray[np.float64]]:
    """Households served by the ``open_`` centres within capacity (an exact max-flow as an LP),
    and each centre's load."""
    keep = open_[p.c] & (p.weight[p.h] > 0)
    c, h = p.c[keep], p.h[keep]
    m, n, q = len(p.capacity), len(p.weight), c.size
    load = np.zeros(m)
    if q == 0:
        return 0.0, load
    cols = np.arange(q)
    a = sparse.vstack(
        [
            sparse.csr_array((np.ones(q), (h, cols)), shape=(n, q)),
            sparse.csr_array((np.ones(q), (c, cols)), shape=(m, q)),
        ],
        format="csr",
    )
    ub = np.concatenate([p.weight, np.where(open_, p.capacity, 0.0)])
    res = optimize.linprog(-np.ones(q), A_ub=a, b_ub=ub, bounds=(0, None), method="highs")
    if res.status != 0 or res.x is None:
        raise InputError("the allocation could not be solved", field="capacity")
    np.add.at(load, c, res.x)
    return float(res.x.sum()), load


def greedy_fill(p: Pairs, k: int) -> NDArray[np.int64]:
    """k candidates opened one at a time, each the one serving most of the demand still left
    (nearest households first, up to its capacity); existing centres are filled first."""
    m = len(p.capacity)
    left = p.weight.copy()
    _, load0 = served(p, np.arange(m) < p.existing)
    order = np.lexsort((p.h, p.d, p.c))  # per centre, its households nearest first
    c, h = p.c[order], p.h[order]
    _drain_existing(p, c, h, left, load0)
    starts = np.searchsorted(c, np.arange(m + 1))
    chosen: list[int] = []
    for _ in range(k):
        reach = np.bincount(c, weights=left[h], minlength=m)
        gain = np.minimum(reach, p.capacity)
        gain[: p.existing] = -1.0
        gain[chosen] = -1.0
        best = int(np.argmax(gain))
        chosen.append(best)
        _fill(h[starts[best] : starts[best + 1]], left, p.capacity[best])
    return np.asarray(chosen, dtype=np.int64) - p.existing


def _drain_existing(
    p: Pairs, c: NDArray[np.int64], h: NDArray[np.int64], left: NDArray[np.float64], load: NDArray
) -> None:
    """Take from ``left`` the demand the existing centres serve, nearest first, by their load."""
    for j in range(p.existing):
        _fill(h[c == j], left, float(load[j]))


def _fill(hs: NDArray[np.int64], left: NDArray[np.float64], cap: float) -> None:
    """Serve households ``hs`` in order from ``left`` until ``cap`` is used up (in place)."""
    if hs.size == 0 or cap <= 0:
        return
    need = left[hs]
    before = np.concatenate(([0.0], np.cumsum(need)[:-1]))
    take = np.clip(cap - before, 0.0, need)
    np.subtract.at(left, hs, take)


def exact(p: Pairs, k: int, time_limit: float = 2.0) -> NDArray[np.int64] | None:
    """The optimal k candidates by MILP: binary x per centre (existing fixed open), flow y per
    pair; maximise Σy with Σ_j y ≤ households, Σ_h y ≤ capacity·x, Σ x(candidates) = k."""
    m, n, q = len(p.capacity), len(p.weight), p.c.size
    cols = np.arange(q)
    flow_h = sparse.csr_array((np.ones(q), (p.h, cols)), shape=(n, q))
    flow_c = sparse.csr_array((np.ones(q), (p.c, cols)), shape=(m, q))
    rows = sparse.vstack(
        [
            sparse.hstack([sparse.csr_array((n, m)), flow_h]),
            sparse.hstack([-sparse.diags_array(p.capacity), flow_c]),
            sparse.hstack(
                [
                    sparse.csr_array((np.arange(m) >= p.existing)[None, :] * 1.0),
                    sparse.csr_array((1, q)),
                ]
            ),
        ],
        format="csr",
    )
    lo = np.concatenate([np.full(n + m, -np.inf), [k]])
    hi = np.concatenate([p.weight, np.zeros(m), [k]])
    res = optimize.milp(
        np.concatenate([np.zeros(m), -np.ones(q)]),
        constraints=[optimize.LinearConstraint(rows, lo, hi)],
        integrality=np.concatenate([np.ones(m), np.zeros(q)]),
        bounds=optimize.Bounds(
            np.concatenate([(np.arange(m) < p.existing) * 1.0, np.zeros(q)]),
            np.concatenate([np.ones(m), np.full(q, np.inf)]),
        ),
        options={"time_limit": time_limit},
    )
    if res.status != 0 or res.x is None:
        return None
    x = res.x[p.existing : m]
    return np.sort(np.argsort(-x)[:k]).astype(np.int64)


def site_capacitated(
    households_xy: ArrayLike,
    candidates_xy: ArrayLike,
    k: int,
    radius: ArrayLike,
    capacity: ArrayLike,
    *,
    existing_xy: ArrayLike | None = None,
    existing_radius: ArrayLike | None = None,
    existing_capacity: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    roads: RoadGraph | None = None,
    use_milp: bool = True,
) -> CapacitatedSiting:
    """Choose ``k`` candidates (metric x, y; ``radius`` and ``capacity`` scalar or per candidate)
    so the most households are served within reach and capacity, existing centres included;
    reach is walking on ``roads`` when given, else the straight line."""
    hh, cand = _xy(households_xy, "households_xy"), _xy(candidates_xy, "candidates_xy")
    if not 1 <= k <= len(cand):
        raise InputError(f"k must be within 1..{len(cand)}, got {k}", field="k")
    w = _weights(weights, len(hh))
    ex = np.empty((0, 2)) if existing_xy is None else _xy(existing_xy, "existing_xy")
    er = _radii(radius if existing_radius is None else existing_radius, len(ex))
    ecap = _capacities(existing_capacity if existing_capacity is not None else capacity, len(ex))
    centres = np.vstack([ex, cand])
    c, h, d = pairs(hh, centres, np.concatenate([er, _radii(radius, len(cand))]), roads)
    p = Pairs(c, h, d, np.concatenate([ecap, _capacities(capacity, len(cand))]), w, len(ex))
    before, _ = served(p, np.arange(len(centres)) < len(ex))
    best, method = greedy_fill(p, k), "greedy"
    value, load = _score(p, best)
    if use_milp and c.size <= _MILP_MAX_PAIRS:
        e = exact(p, k)
        if e is not None and (v := _score(p, e))[0] > value + 1e-6:
            best, method, (value, load) = e, "milp", v
    order = np.argsort(best)
    keep = np.concatenate([np.arange(len(ex)), len(ex) + best[order]])
    return CapacitatedSiting(best[order], before, value, load[keep], method)


def _score(p: Pairs, chosen: NDArray[np.int64]) -> tuple[float, NDArray[np.float64]]:
    """Households served with the existing centres and the ``chosen`` candidates open."""
    open_ = np.arange(len(p.capacity)) < p.existing
    open_[p.existing + chosen] = True
    return served(p, open_)


def _capacities(capacity: ArrayLike, m: int) -> NDArray[np.float64]:
    """One non-negative capacity (households) per centre, broadcast from a scalar."""
    cap = np.broadcast_to(np.asarray(capacity, dtype=float), (m,)).copy()
    if (cap < 0).any() or not np.isfinite(cap).all():
        raise InputError("capacities must be finite and non-negative", field="capacity")
    return cap
