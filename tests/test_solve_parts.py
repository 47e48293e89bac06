"""The solve's fast parts against their plain definitions (issue 16: the whole partition call
made faster without changing its cells)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from grid.geomops import grouped_rows, representative_xy, union_by
from grid.partition.footprints import disjoint_footprints, grouped_pairs, overlapping_pairs
from grid.partition.forest import RootedForest
from grid.partition.graph import plot_graph, unique_pairs
from grid.partition.tessellate import plots_and_blocks
from grid.partition.trees import spanning_tree
from tests.test_bisection_plain import plain_tree

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
@given(n=st.integers(2, 90), seed=st.integers(0, 10_000), cuts=st.integers(1, 6))
def test_forest_cuts_are_subtrees_and_keep_sums(n: int, seed: int, cuts: int) -> None:
    rng = np.random.default_rng(seed)
    parent_of = np.array([-1] + [int(rng.integers(0, k)) for k in range(1, n)])
    li, lj = parent_of[1:], np.arange(1, n)
    values = rng.integers(1, 9, (n, 2)).astype(float)
    forest = RootedForest(values)
    part = forest.plant(np.arange(n), li, lj, np.zeros(n - 1, dtype=bool))
    assert part[0] == 0 and np.array_equal(np.sort(part), np.arange(n))
    parent = parent_of.copy()
    alive = np.ones(n, dtype=bool)
    for _ in range(cuts):  # cut random subtrees off the part holding the root
        if len(part) < 2:
            break
        at = int(rng.integers(1, len(part)))
        child = int(part[at])
        want = _below(parent, child, alive)
        below = forest.cut(part, np.zeros(len(part), dtype=np.int64), np.array([child]))
        assert np.array_equal(np.sort(part[below]), np.flatnonzero(want))
        # The subtree is a run of the part, from the child on.
        assert np.array_equal(np.flatnonzero(below), np.arange(at, at + below.sum()))
        part = part[~below]
        alive &= ~want
        parent[child] = -1
        assert np.allclose(forest.sums[:, 0], values[alive].sum(axis=0))


@FAST
@given(n=st.integers(2, 80), seed=st.integers(0, 10_000), twice=st.booleans(), tied=st.booleans())
def test_spanning_tree_is_scipys(n: int, seed: int, twice: bool, tied: bool) -> None:
    rng = np.random.default_rng(seed)
    pairs = unique_pairs(np.sort(rng.integers(0, n, (3 * n, 2)), axis=1))
    pairs = pairs[pairs[:, 0] < pairs[:, 1]]
    if twice and len(pairs):  # a link given twice, as a caller's own graph may hold it
        pairs = np.vstack([pairs, pairs[:1, ::-1]])
    i, j = pairs[:, 0], pairs[:, 1]
    # Tied costs: which of equal links is kept is scipy's (its stable sort by cost).
    cost = rng.integers(1, 3, len(i)).astype(float) if tied else rng.uniform(1.0, 10.0, len(i))
    assert np.array_equal(spanning_tree(n, i, j, cost), plain_tree(n, i, j, cost))


@pytest.mark.parametrize("seed", [0, 1])
def test_plot_graph_with_edge_groups_is_the_tolerant_graph(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 400, 400), rng.uniform(0, 400, 400)
    fps = shapely.box(x - 8, y - 5, x + 8, y + 5)  # overlapping boxes: fragments change hands
    community = shapely.box(-20, -20, 420, 420)
    plots, groups = plots_and_blocks(community, fps)
    assert (groups < 0).any() and (groups >= 0).any()
    xy = representative_xy(fps)
    fast, tolerant = plot_graph(plots, xy, None, 0, groups), plot_graph(plots, xy, None, 0)
    assert np.array_equal(fast.i, tolerant.i) and np.array_equal(fast.j, tolerant.j)


def test_union_by_keeps_a_lone_polygon_as_it_is() -> None:
    square, hole = shapely.box(0, 0, 3, 3), shapely.box(1, 1, 2, 2)
    holed = square.difference(hole)
    out = union_by(np.array([holed, square, shapely.box(3, 0, 4, 3), hole]),
                   np.array([0, 1, 1, 2]), 4)
    assert out[0] is holed and out[2] is hole
    assert out[1].equals(shapely.box(0, 0, 4, 3))
    assert out[3].is_empty


@FAST
@given(st.lists(st.tuples(*[st.sampled_from([0.0, -0.0, 1.5, 2.0, -3.25])] * 4), max_size=50))
def test_grouped_rows_put_each_set_of_equal_rows_in_one_run(rows: list[tuple]) -> None:
    keys = np.array(rows, dtype=float).reshape(-1, 4)
    by, starts = grouped_rows(keys)
    assert np.array_equal(np.sort(by), np.arange(len(keys)))
    if len(keys):  # the first of each run is the row's first occurrence
        assert np.array_equal(np.sort(by[starts]), np.sort(np.unique(keys, axis=0,
                                                                     return_index=True)[1]))
    run = np.cumsum(starts) - 1
    ranked = keys[by]
    for r in np.unique(run):  # plain definition: a run is one row value, and all of it
        inside = ranked[run == r]
        assert (inside == inside[0]).all()
        assert (keys == inside[0]).all(axis=1).sum() == len(inside)


@FAST
@given(seed=st.integers(0, 10_000), n=st.integers(2, 40))
def test_grounds_from_carried_over_pairs_are_the_grounds(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    x, y = rng.uniform(0, 60, n), rng.uniform(0, 60, n)
    fps = shapely.box(x, y, x + rng.uniform(2, 20, n), y + rng.uniform(2, 20, n))
    pairs = overlapping_pairs(fps)
    assert shapely.equals(disjoint_footprints(fps, pairs=pairs), disjoint_footprints(fps)).all()
    # Footprints joined into grounds at random: the grounds' pairs come from the footprints'.
    group = np.unique(rng.integers(0, max(1, n // 2), n), return_inverse=True)[1]
    grounds = union_by(fps, group, int(group.max()) + 1)
    carried = grouped_pairs(group, pairs)
    found = overlapping_pairs(grounds)
    assert np.array_equal(np.column_stack(carried), np.column_stack(found)[
        np.lexsort((found[1], found[0]))])
    assert shapely.equals(disjoint_footprints(grounds, pairs=carried),
                          disjoint_footprints(grounds)).all()

