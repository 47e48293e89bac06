"""The solve's fast parts against their plain definitions (issue 16: the whole partition call
made faster without changing its cells)."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from grid.partition.bisection import RootedForest, unique_pairs

FAST = settings(max_examples=150, deadline=None)


@FAST
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 40)), max_size=60))
def test_unique_pairs_is_unique_rows(rows: list[tuple[int, int]]) -> None:
    pairs = np.array(rows, dtype=np.int64).reshape(-1, 2)
    want = np.unique(pairs, axis=0) if len(pairs) else np.empty((0, 2), dtype=np.int64)
    assert np.array_equal(unique_pairs(pairs), want)


def _below(parent: np.ndarray, node: int, alive: np.ndarray) -> np.ndarray:
    """Nodes whose chain of parents (within ``alive``) reaches ``node``: its subtree."""
    out = np.zeros(len(parent), dtype=bool)
    for v in np.flatnonzero(alive):  # plain definition, one walk per node
        u = v
        while u >= 0 and alive[u]:
            if u == node:
                out[v] = True
                break
            u = parent[u]
    return out


@FAST
@given(n=st.integers(2, 40), seed=st.integers(0, 10_000), cuts=st.integers(1, 6))
def test_forest_cuts_are_subtrees_and_keep_sums(n: int, seed: int, cuts: int) -> None:
    rng = np.random.default_rng(seed)
    parent_of = np.array([-1] + [int(rng.integers(0, k)) for k in range(1, n)])
    li, lj = parent_of[1:], np.arange(1, n)
    values = rng.integers(1, 9, (n, 2)).astype(float)
    forest = RootedForest(values)
    nodes = np.arange(n)
    forest.plant(nodes, li, lj, np.zeros(n - 1, dtype=bool))
    parent = parent_of.copy()
    alive = np.ones(n, dtype=bool)
    for _ in range(cuts):  # cut random subtrees off the part holding the root
        part = np.flatnonzero(alive)
        if len(part) < 2:
            break
        child = int(rng.choice(part[1:]))
        want = _below(parent, child, alive)
        side = forest.cut(part, child)
        assert np.array_equal(part[side], np.flatnonzero(want))
        alive &= ~want
        parent[child] = -1
        rest = np.flatnonzero(alive)
        assert np.allclose(forest.sums[0], values[rest].sum(axis=0))
