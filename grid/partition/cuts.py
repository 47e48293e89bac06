"""Choosing where to cut a spanning tree in two (DESIGN §6).

A part of ``W`` households that needs ``k`` cells is cut at one edge of its spanning tree: the edge
whose subtree can hold ``k1`` cells and the rest ``k - k1`` cells within the household bounds, and
which leaves the two sides most compact (least moment of inertia), best balanced and, where there
is a choice, split along a road. When a tree has no feasible cut, the least-bad one is taken.

Bisection chooses about two hundred cuts per community, most on small parts, so :func:`choose`
chooses for all the parts waiting at one time together, in few numpy calls: which cuts fit is
worked out first, for both sides at once, and scores only where needed. :func:`_plain_choice` is
the same choice for one part, written plainly; it decides where a score is not a finite number,
and the tests check the fast choice against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from grid.partition.trees import subtree_sums

if TYPE_CHECKING:
    from grid.partition.bounds import Bounds

#: Score bonus for cutting a tree edge that crosses a road (scores are ~0..1).
ROAD_BONUS = 0.25
#: Weight of the household balance term against the compactness term.
BALANCE_WEIGHT = 0.5
#: Candidates above which the best of each part is found by minima, not by a sort.
GROUPED_LEAST = 256


@dataclass(frozen=True)
class Cut:
    """A chosen tree cut: the link to remove, the cells meant for the child side, whether both
    sides fit the bounds, and the child side as a boolean mask over the tree's nodes."""

    link: int
    k1: int
    feasible: bool
    side: np.ndarray


def _plain_choice(
    sub: np.ndarray, total: np.ndarray, road: np.ndarray, k: int, bounds: Bounds
) -> tuple[int, int, bool]:
    """Best candidate cut from the child sides' sums ``sub`` (rows: households, moments) and the
    part's ``total``: (candidate index, cells for the child side, whether both sides fit)."""
    s, a, ax, ay, a2 = sub.T
    wt, ta, tax, tay, ta2 = (float(v) for v in total)
    other = wt - s
    lo, hi = bounds.low, bounds.high
    k1_lo = np.maximum(np.maximum(np.ceil(s / hi), k - np.floor(other / lo)), 1)
    k1_hi = np.minimum(np.minimum(np.floor(s / lo), k - np.ceil(other / hi)), k - 1)
    feasible = k1_lo <= k1_hi
    k1 = np.minimum(np.maximum(np.round(k * s / max(wt, 1e-12)), 1), k - 1)
    k1 = np.where(feasible, np.minimum(np.maximum(k1, k1_lo), np.maximum(k1_lo, k1_hi)), k1)
    k2 = k - k1
    oa, oax, oay = ta - a, tax - ax, tay - ay
    whole = ta2 - (tax**2 + tay**2) / max(ta, 1e-12)
    inertia = ((a2 - (ax**2 + ay**2) / np.maximum(a, 1e-12))
               + ((ta2 - a2) - (oax**2 + oay**2) / np.maximum(oa, 1e-12))) / max(whole, 1e-9)
    t = bounds.target
    # Balance matters only for sides that will be cut again; a final cell just has to fit.
    balance = (np.where(k1 > 1, np.abs(s / k1 - t) / t, 0.0)
               + np.where(k2 > 1, np.abs(other / k2 - t) / t, 0.0))
    score = inertia + BALANCE_WEIGHT * balance - ROAD_BONUS * road
    if feasible.any():
        best = int(np.argmin(np.where(feasible, score, np.inf)))
    else:  # the least violation of the bounds, computed only when no cut fits
        violation = (np.maximum(0, k1 * lo - s) + np.maximum(0, s - k1 * hi)
                     + np.maximum(0, k2 * lo - other) + np.maximum(0, other - k2 * hi))
        best = int(np.lexsort((score, violation))[0])
    return best, int(k1[best]), bool(feasible[best])


@lru_cache(maxsize=64)
def _quotients(low: int, high: int) -> np.ndarray:
    """Divisors giving -s/high, o/low, s/low and -o/high (made once per bounds, read only)."""
    return np.array([[[-high], [low]], [[low], [-high]]], dtype=float)


def cell_range(sides: np.ndarray, k: np.ndarray, bounds: Bounds) -> np.ndarray:
    """The fewest cells the child side can make (row 0) and minus the most (row 1), from the
    households on the child side and on the other side (rows of ``sides``) and the cells ``k``
    of the part; a cut fits when the fewest is at most the most.

    The same floats as :func:`_plain_choice`'s bounds on ``k1``, for both sides at once: a
    ceiling is minus the floor of minus the value, and a minimum minus the maximum of minus the
    values (negation is exact).
    """
    q = np.floor(sides / _quotients(bounds.low, bounds.high))
    np.negative(q, out=q)  # ceil(s/hi), -floor(o/lo); -floor(s/lo), ceil(o/hi)
    q[0, 1] += k
    q[1, 1] -= k
    most = np.maximum(q[:, 0], q[:, 1])
    np.maximum(most[0], 1.0, out=most[0])
    np.maximum(most[1], 1.0 - k, out=most[1])
    return most


def _cells(k: np.ndarray, s: np.ndarray, total: np.ndarray, fewest: np.ndarray | float,
           most: np.ndarray) -> np.ndarray:
    """Cells for the child side: its households' share of ``k`` (``total``: the part's, at
    least 1e-12), rounded, then kept within [``fewest``, ``most``]."""
    k1 = k * s
    k1 /= total
    np.rint(k1, out=k1)  # np.round's own step for whole numbers
    np.maximum(k1, fewest, out=k1)
    np.minimum(k1, most, out=k1)
    return k1


def _score(f: np.ndarray, k12: np.ndarray, whole: np.ndarray, road: np.ndarray,
           t: float) -> np.ndarray:
    """:func:`_plain_choice`'s score of cuts with sides ``f`` (2, 5, c) and cells ``k12``
    (2, c): least inertia (``whole``: the part's own, at least 1e-9), households per cell near
    the target ``t`` for sides cut again, and a road cut."""
    balance = f[:, 0] / k12
    balance -= t
    np.abs(balance, out=balance)
    balance /= t
    balance[k12 <= 1] = 0.0
    spread = f[:, 2:4] ** 2
    near = spread[:, 0] + spread[:, 1]
    near /= np.maximum(f[:, 1], 1e-12)
    inertia = f[:, 4] - near
    return ((inertia[0] + inertia[1]) / whole + BALANCE_WEIGHT * (balance[0] + balance[1])
            - ROAD_BONUS * road)


def _least(part: np.ndarray, parts: int, score: np.ndarray, ids: np.ndarray,
           violation: np.ndarray | None = None) -> np.ndarray:
    """Each part's place of least ``violation`` (if given), then least ``score``, then least
    id, in ``score``."""
    if parts == 1 and violation is None and len(score):
        best = int(score.argmin())
        ties = (score == score[best]).nonzero()[0]
        return ties[ids[ties].argmin(keepdims=True)] if len(ties) > 1 else np.array([best])
    if len(score) > GROUPED_LEAST and not (np.isnan(score).any() or (
            violation is not None and np.isnan(violation).any())):
        return _grouped_least(part, score, ids, violation)
    keys = (ids, score, part) if violation is None else (ids, score, violation, part)
    order = np.lexsort(keys)
    ranked = part[order]
    new = np.ones(len(order), dtype=bool)
    np.not_equal(ranked[1:], ranked[:-1], out=new[1:])
    return order[new]


def _grouped_least(part: np.ndarray, score: np.ndarray, ids: np.ndarray,
                   violation: np.ndarray | None) -> np.ndarray:
    """:func:`_least` by a minimum per run of equal ``part`` (parts in increasing order, ids
    distinct within a part, no NaN): a sort of many candidates costs several times more."""
    new = np.ones(len(part), dtype=bool)
    np.not_equal(part[1:], part[:-1], out=new[1:])
    starts = new.nonzero()[0]
    group = np.cumsum(new)
    group -= 1
    at = np.ones(len(part), dtype=bool)
    for key in (violation, score):  # each the least among those left
        if key is not None:
            key = np.where(at, key, np.inf)
            at &= key == np.minimum.reduceat(key, starts)[group]
    first = np.where(at, ids, np.iinfo(np.int64).max)
    return (at & (ids == np.minimum.reduceat(first, starts)[group])).nonzero()[0]


def _both(k1: np.ndarray, k: np.ndarray) -> np.ndarray:
    """(2, c): the cells of the child side and of the rest."""
    k12 = np.empty((2, len(k1)))
    k12[0] = k1
    np.subtract(k, k1, out=k12[1])
    return k12


def choose(
    sides: np.ndarray, part: np.ndarray, totals: np.ndarray, k: np.ndarray, road: np.ndarray,
    ids: np.ndarray, bounds: Bounds,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The best cut in each of several parts, from the candidates' ``sides`` (2, 5, c): the
    child sides' sums (households, moments) and the other sides'; ``part``: each candidate's
    part (candidates grouped by part); ``totals``: the parts' sums (5, parts); ``k``: their
    cells.

    :func:`_plain_choice`'s choice, for all parts at once: returns per part the candidate, the
    cells for its child side and whether both sides fit. The candidate is -1 where a fitting
    cut's score is not a finite number: then :func:`_plain_choice` decides. Of equal scores the
    candidate with the least id wins.
    """
    kc = k[part]
    span = cell_range(sides[:, 0], kc, bounds)
    fit = span[0] <= -span[1]
    feasible = np.zeros(len(k), dtype=bool)
    feasible[part[fit]] = True
    wt, whole = [], []
    for w, ta, tax, tay, ta2 in totals.T.tolist():  # the part's own figures as Python floats
        wt.append(max(w, 1e-12))
        whole.append(max(ta2 - (tax**2 + tay**2) / max(ta, 1e-12), 1e-9))
    wt_c, whole_c = np.array(wt)[part], np.array(whole)[part]
    best = np.full(len(k), -1, dtype=np.int64)
    cells = np.zeros(len(k), dtype=np.int64)
    pick = fit.nonzero()[0]
    if len(pick):  # cuts that fit: the least score
        f, kf = sides[:, :, pick], kc[pick]
        k12 = _both(_cells(kf, f[0, 0], wt_c[pick], span[0, pick], -span[1, pick]), kf)
        score = _score(f, k12, whole_c[pick], road[pick], bounds.target)
        first = _least(part[pick], len(k), score, ids[pick])
        best[part[pick[first]]], cells[part[pick[first]]] = pick[first], k12[0, first]
        best[part[pick][~(score < np.inf)]] = -1
    pick = (~feasible[part]).nonzero()[0]
    if len(pick):  # no cut fits: the least violation of the bounds, then the least score
        f, kf = sides[:, :, pick], kc[pick]
        k12 = _both(_cells(kf, f[0, 0], wt_c[pick], 1.0, kf - 1), kf)
        score = _score(f, k12, whole_c[pick], road[pick], bounds.target)
        over = np.maximum(0, k12 * bounds.low - f[:, 0])
        under = np.maximum(0, f[:, 0] - k12 * bounds.high)
        first = _least(part[pick], len(k), score, ids[pick],
                       over[0] + under[0] + over[1] + under[1])
        best[part[pick[first]]], cells[part[pick[first]]] = pick[first], k12[0, first]
    return best, cells, feasible


def two_sides(sums: np.ndarray, cand: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """(2, columns, c): the sums (as (column, node)) of the candidates' subtrees, and the rest
    of their parts' (``totals``: each candidate's part's sums)."""
    sides = np.empty((2, len(sums), len(cand)))
    np.take(sums, cand, axis=1, out=sides[0])
    np.subtract(totals, sides[0], out=sides[1])
    return sides


def best_cut(
    w: np.ndarray, moments: np.ndarray, a: np.ndarray, b: np.ndarray, road: np.ndarray,
    k: int, bounds: Bounds,
) -> Cut | None:
    """The best cut of a tree (links ``a``–``b`` over local nodes) into ``k`` cells, if any.

    ``moments`` holds per node (area, area·x, area·y, area·(x²+y²)) for the compactness score.
    Returns ``None`` when the tree has fewer than two nodes.
    """
    m = len(w)
    if m < 2:
        return None
    sums, tree = subtree_sums(m, a, b, np.column_stack([w, moments]))
    child = np.where(tree.pred[b] == a, b, a)
    # One part: the plain choice (what :func:`choose` follows), ties to the first link.
    best, k1, feasible = _plain_choice(sums[:, child].T, sums[:, 0], road, k, bounds)
    side = np.zeros(m, dtype=bool)
    side[tree.mem[tree.anc == child[best]]] = True
    return Cut(best, k1, feasible, side)
