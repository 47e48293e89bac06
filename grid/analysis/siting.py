"""Where to put new service centres: maximal covering location (Church & ReVelle, 1974).

Choose ``k`` sites from candidates to cover the most households not yet covered by existing
centres. Greedy picks the site with the largest marginal gain k times; a best-swap local search
then exchanges one chosen site for one unchosen while that covers more, so the result is never
worse than greedy. Small instances are solved exactly with a MILP (``scipy.optimize.milp``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, sparse

from grid.analysis.coverage import _radii, _weights, _xy, reach_pairs
from grid.errors import InputError

_MILP_MAX_PAIRS = 200_000  # above this many (candidate, household) pairs, skip the exact MILP


@dataclass(frozen=True)
class Siting:
    """The chosen candidate positions and what they add."""

    chosen: NDArray[np.int64]
    covered: float  # newly covered households with the chosen sites
    greedy_covered: float  # what plain greedy covers
    gain: float  # covered - greedy_covered (>= 0)
    method: str  # "greedy", "swap" or "milp": which step produced the answer


def _incidence(
    households: NDArray[np.float64], candidates: NDArray[np.float64], radii: NDArray[np.float64]
) -> sparse.csr_array:
    """Candidate × household 0/1 matrix: 1 where the candidate would reach the household."""
    c, h, _ = reach_pairs(households, candidates, radii)
    return sparse.csr_array((np.ones(c.size), (c, h)), shape=(len(candidates), len(households)))


def _value(a: sparse.csr_array, w: NDArray[np.float64], chosen: NDArray[np.int64]) -> float:
    """Weighted households covered by the ``chosen`` rows of ``a``."""
    hit = np.asarray(a[chosen].sum(axis=0)).ravel() > 0
    return float(w[hit].sum())


def greedy(a: sparse.csr_array, w: NDArray[np.float64], k: int) -> NDArray[np.int64]:
    """k sites picked one at a time by largest marginal coverage (lowest index on ties)."""
    left = w.copy()
    chosen: list[int] = []
    for _ in range(k):
        gain = a @ left
        gain[chosen] = -1.0
        best = int(np.argmax(gain))
        chosen.append(best)
        left[a[[best]].indices] = 0.0
    return np.asarray(chosen, dtype=np.int64)


def swap(
    a: sparse.csr_array, w: NDArray[np.float64], chosen: NDArray[np.int64], max_rounds: int = 200
) -> NDArray[np.int64]:
    """Best-improvement 1-swap local search: all (out, in) exchanges are scored at once."""
    s = chosen.copy()
    for _ in range(max_rounds):
        times = np.asarray(a[s].sum(axis=0)).ravel()  # how many chosen sites cover each household
        loss = a[s] @ (w * (times == 1))  # lost if that chosen site leaves
        fresh = a @ (w * (times == 0))  # gained by any site from households nobody covers
        # Households covered only by chosen site i are regained by site j when j covers them.
        regained = (a.multiply(w * (times == 1)) @ a[s].T).toarray()
        delta = fresh[:, None] + regained - loss[None, :]
        delta[s, :] = -np.inf
        j, i = np.unravel_index(int(np.argmax(delta)), delta.shape)
        if delta[j, i] <= 1e-9:
            break
        s[i] = j
    return s


def exact(a: sparse.csr_array, w: NDArray[np.float64], k: int) -> NDArray[np.int64] | None:
    """The optimal k sites by MILP (None if the solver gives no proven optimum)."""
    useful = np.flatnonzero((np.asarray(a.sum(axis=0)).ravel() > 0) & (w > 0))
    m, n = a.shape[0], useful.size
    sub = sparse.csr_array(a[:, useful])
    # Variables: x (m sites, binary), y (n households, 0..1); maximise w·y.
    cost = np.concatenate([np.zeros(m), -w[useful]])
    cover = sparse.hstack([-sub.T, sparse.eye_array(n)], format="csr")  # y_h - Σ x_j <= 0
    count = sparse.hstack([np.ones((1, m)), sparse.csr_array((1, n))], format="csr")
    res = optimize.milp(
        cost,
        constraints=[
            optimize.LinearConstraint(cover, -np.inf, 0.0),
            optimize.LinearConstraint(count, k, k),
        ],
        integrality=np.concatenate([np.ones(m), np.zeros(n)]),
        bounds=optimize.Bounds(0, 1),
        options={"time_limit": 10.0},
    )
    if res.status != 0 or res.x is None:
        return None
    return np.sort(np.argsort(-res.x[:m])[:k]).astype(np.int64)


def site_centres(
    households_xy: ArrayLike,
    candidates_xy: ArrayLike,
    k: int,
    radius: ArrayLike,
    *,
    existing_xy: ArrayLike | None = None,
    existing_radius: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    use_milp: bool = True,
) -> Siting:
    """Choose ``k`` candidates (metric x, y; ``radius`` scalar or per candidate) covering the most
    households not already within reach of ``existing_xy`` centres; greedy, then swaps, then an
    exact MILP when small — the best of them, so never worse than greedy."""
    hh, cand = _xy(households_xy, "households_xy"), _xy(candidates_xy, "candidates_xy")
    if not 1 <= k <= len(cand):
        raise InputError(f"k must be within 1..{len(cand)}, got {k}", field="k")
    w = _weights(weights, len(hh)).copy()
    if existing_xy is not None:
        ex = _xy(existing_xy, "existing_xy")
        er = _radii(radius if existing_radius is None else existing_radius, len(ex))
        w[reach_pairs(hh, ex, er)[1]] = 0.0  # already covered: worth nothing
    a = _incidence(hh, cand, _radii(radius, len(cand)))
    g = greedy(a, w, k)
    best, best_value, method = g, _value(a, w, g), "greedy"
    greedy_value = best_value
    s = swap(a, w, g)
    if (v := _value(a, w, s)) > best_value + 1e-9:
        best, best_value, method = s, v, "swap"
    if use_milp and a.nnz <= _MILP_MAX_PAIRS:
        e = exact(a, w, k)
        if e is not None and (v := _value(a, w, e)) > best_value + 1e-9:
            best, best_value, method = e, v, "milp"
    return Siting(
        chosen=np.sort(best),
        covered=best_value,
        greedy_covered=greedy_value,
        gain=best_value - greedy_value,
        method=method,
    )
