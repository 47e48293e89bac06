"""Spanning trees of the plot graph, and rooted trees with their subtree sums, for bisection.

Bisection cuts a few hundred small trees per community, so these are written for few numpy (and
scipy) calls per tree rather than for large trees: numpy's and scipy's per-call overhead, not
the arithmetic, is what a small tree costs. Every result is the one the plain definitions give,
bit for bit: subtree sums are added up in the same order, and spanning trees are scipy's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import depth_first_order, minimum_spanning_tree

#: Links at most for which a spanning tree is found in plain Python: scipy's per-call overhead
#: costs more than the loop on smaller graphs.
PLAIN_KRUSKAL = 128
#: Nodes at most for which a tree is walked in plain Python rather than by scipy.
PLAIN_WALK = 64


def _kruskal(n: int, rows: np.ndarray, cols: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Positions of the links kept by scipy's Kruskal on links ``rows``–``cols`` laid out as a
    CSR matrix: links taken by cost in a stable sort of ``data`` (as scipy sorts it), each kept
    when it joins two separate trees; which links that keeps depends only on that order."""
    head: dict[int, int] = {}

    def find(x: int) -> int:
        while (up := head.get(x, x)) != x:
            head[x] = head.get(up, up)  # path halving
            x = up
        return x

    kept, r, c = [], rows.tolist(), cols.tolist()
    for e in np.argsort(data, kind="stable").tolist():
        a, b = find(r[e]), find(c[e])
        if a != b:
            head[a] = b
            kept.append(e)
            if len(kept) == n - 1:
                break
    kept.sort()
    return np.array(kept, dtype=np.int64)


def spanning_tree(n: int, i: np.ndarray, j: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Indices of the links forming a minimum spanning forest over ``n`` nodes (scipy's)."""
    if len(i) == 0:
        return np.empty(0, dtype=np.int64)
    lo, hi = np.minimum(i, j).astype(np.int64), np.maximum(i, j).astype(np.int64)
    key = lo * n + hi
    order = np.argsort(key)
    ranked = key[order]
    if (ranked[1:] == ranked[:-1]).any():  # a pair given twice: scipy sums them
        w = sp.csr_matrix((cost, (lo, hi)), shape=(n, n))
    else:
        data = np.asarray(cost, float)[order]
        # Small graphs with positive costs (scipy drops zero links) in plain Python.
        if len(data) <= PLAIN_KRUSKAL and data.min() > 0 and data.max() < np.inf:
            return order[_kruskal(n, lo[order], hi[order], data)]
        # Laid out straight from the sorted links, as scipy's COO conversion lays it out.
        indptr = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.bincount(lo, minlength=n), out=indptr[1:])
        w = sp.csr_matrix((data, hi[order].astype(np.int32), indptr), shape=(n, n))
    t = minimum_spanning_tree(w).tocoo()
    found = np.searchsorted(ranked, np.minimum(t.row, t.col).astype(np.int64) * n
                            + np.maximum(t.row, t.col))
    return order[found]


def _both_ways(m: int, a: np.ndarray, b: np.ndarray) -> sp.csr_matrix:
    """The links ``a``–``b`` over ``m`` nodes as a CSR matrix holding both directions, built
    straight from its arrays (scipy's COO conversion costs more than the search on small
    trees, and bisection searches hundreds of them)."""
    rows, cols = np.concatenate([a, b]), np.concatenate([b, a])
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(m + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=m), out=indptr[1:])
    return sp.csr_matrix((np.ones(len(rows)), cols[order].astype(np.int32), indptr),
                         shape=(m, m))


@dataclass(frozen=True)
class Rooted:
    """A tree over local nodes rooted at node 0: each node's parent (negative at the root),
    every (ancestor, descendant) pair, a node being its own first, in the order subtree sums
    add them up, and the nodes in depth-first order (every subtree is a run of it)."""

    pred: np.ndarray
    anc: np.ndarray
    mem: np.ndarray
    order: np.ndarray


def _levels(m: int, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parents, depths and a depth-first order of the tree with links ``a``–``b`` rooted at
    node 0, through scipy (for large trees); depths by pointer jumping, in a few steps."""
    order, pred = depth_first_order(_both_ways(m, a, b), 0, directed=True,
                                    return_predecessors=True)
    if len(order) != m:
        raise ValueError("the links do not join all the nodes in one tree")
    up = pred.copy()
    up[0] = 0  # the root is its own parent
    depth = np.ones(m, dtype=np.int64)
    depth[0] = 0
    while up.any():  # depth[v]: from v to up[v], which jumps twice as far each step
        depth += depth[up]
        up = up[up]
    return pred, depth, order


def _walk(m: int, a: np.ndarray, b: np.ndarray) -> tuple[list[int], list[int], list[int]]:
    """Parents, depths and a depth-first order of the tree with links ``a``–``b`` rooted at
    node 0, walked in plain Python (for small trees, where scipy's overhead costs more)."""
    near: list[list[int]] = [[] for _ in range(m)]
    for x, y in zip(a.tolist(), b.tolist(), strict=True):
        near[x].append(y)
        near[y].append(x)
    pred, depth, order, todo = [-1] * m, [-1] * m, [], [0]
    depth[0] = 0
    while todo:
        v = todo.pop()
        order.append(v)
        for u in near[v]:
            if u != pred[v]:
                if depth[u] >= 0:
                    raise ValueError("the links do not form a tree")
                pred[u], depth[u] = v, depth[v] + 1
                todo.append(u)
    return pred, depth, order


def _plain_pairs(pred: list[int], depth: list[int]) -> tuple[list[int], list[int]]:
    """:func:`root_tree`'s (ancestor, descendant) pairs of a small tree, in plain Python: the
    same steps on lists (Python's sort, like numpy's stable one, keeps ties in order)."""
    m = len(pred)
    deepest = sorted(range(m), key=depth.__getitem__, reverse=True)
    sizes = [0] * (max(depth) + 1)
    for d in depth:
        sizes[d] += 1
    anc, mem, cur, reach = list(range(m)), list(range(m)), deepest, m
    for size in sizes[:-1]:  # nodes at least d deep, d = 1, 2, …
        reach -= size
        cur = [pred[x] for x in cur[:reach]]
        anc += cur
        mem += deepest[:reach]
    return anc, mem


def root_tree(m: int, a: np.ndarray, b: np.ndarray) -> Rooted:
    """The tree with links ``a``–``b`` over ``m`` nodes, rooted at node 0.

    Pairs are listed by distance (each node with itself, then with its parent, grandparent …)
    and, at each distance, by descendant number: a node's subtree sum is its own value, then
    its children's in number order, then its grandchildren's, and so on. Sorting the nodes
    deepest first makes the nodes at least ``d`` deep a prefix, so each distance is one step.
    """
    if m <= PLAIN_WALK:
        pred_list, depth_list, order_list = _walk(m, a, b)
        if len(order_list) != m:
            raise ValueError("the links do not join all the nodes in one tree")
        anc_list, mem_list = _plain_pairs(pred_list, depth_list)
        return Rooted(np.array(pred_list), np.array(anc_list, dtype=np.int64),
                      np.array(mem_list, dtype=np.int64), np.array(order_list))
    pred, depth, order = _levels(m, a, b)
    deepest = np.argsort(-depth, kind="stable")
    sizes = np.bincount(depth)
    anc, mem = [np.arange(m)], [np.arange(m)]
    cur = deepest
    for reach in (m - np.cumsum(sizes)[:-1]).tolist():  # nodes at least d deep, d = 1, 2, …
        cur = pred[cur[:reach]]
        anc.append(cur)
        mem.append(deepest[:reach])
    return Rooted(pred, np.concatenate(anc), np.concatenate(mem), order)


def level_sums(tree: Rooted, values: np.ndarray) -> np.ndarray:
    """Sums of ``values`` (one row per column, one column per node) over every subtree, as
    (column, node)."""
    m = len(tree.pred)
    return np.stack([np.bincount(tree.anc, weights=row[tree.mem], minlength=m) for row in values])


def subtree_sums(m: int, a: np.ndarray, b: np.ndarray, values: np.ndarray) -> tuple:
    """Sums of ``values`` over every subtree of a tree rooted at node 0 (as (column, node)),
    and the rooted tree."""
    tree = root_tree(m, a, b)
    return level_sums(tree, np.ascontiguousarray(values.T)), tree
