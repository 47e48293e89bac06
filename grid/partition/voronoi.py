"""Voronoi regions of the buildings in their blocks (DESIGN §6): each building gets the part
of its block nearer its anchor than any other building's, and, where several anchors share a
spot, its outline's vertices stand in for it too. ``grid.partition.tessellate`` nodes the
footprints that still cross their region into these regions to make the plots."""

from __future__ import annotations

import numpy as np
import shapely

from grid.errors import InputError
from grid.geomops import grouped_rows, polygonal, safe_intersection, union_by


def anchor_voronoi(footprints: np.ndarray, anchors: np.ndarray, blocks: np.ndarray,
                   home: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each building's region within its home block (``home``: index into ``blocks``), and
    the buildings' labels in the order of the regions."""
    outlined = _shared_spots(anchors, home)
    return _regions(blocks, home, *_generators(footprints, anchors, outlined))


def _generators(
    geoms: np.ndarray, anchors: np.ndarray, outlined: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Voronoi generator points and their building labels: every anchor, then the outline
    vertices of the ``outlined`` buildings. Footprints are noded in exactly afterwards, so the
    diagram only has to place the boundaries between buildings."""
    which = np.flatnonzero(outlined)
    coords, idx = shapely.get_coordinates(shapely.boundary(geoms[which]), return_index=True)
    xy = np.vstack([anchors, coords])
    labels = np.concatenate([np.arange(len(geoms)), which[idx]])
    return xy, labels


def _voronoi(xy: np.ndarray, group: np.ndarray, blocks: np.ndarray) -> np.ndarray:
    """Voronoi cells of ``xy`` (same order), one diagram per ``group`` (sorted) covering
    ``blocks[group]``, all built in one vectorised call and checked per diagram: cells are
    valid, each holds its point and together they add up to their envelope. GEOS can return
    invalid, overlapping cells for nearly regular rows of points; those diagrams are built
    again with their points nudged by a deterministic fraction of a millimetre."""
    nudge = np.mod(np.sin(xy[:, 0] * 12.9898 + xy[:, 1] * 78.233) * 43758.5453, 1.0) - 0.5
    shift = np.column_stack([nudge, nudge[::-1]]) * 1e-4
    pieces = np.empty(len(xy), dtype=object)
    todo = np.unique(group)
    for attempt in range(4):
        take = np.flatnonzero(np.isin(group, todo))
        pts = xy[take] + shift[take] * attempt
        slot = np.searchsorted(todo, group[take])
        cells = shapely.voronoi_polygons(shapely.multipoints(pts, indices=slot),
                                         extend_to=blocks[todo], ordered=True)
        parts, of = shapely.get_parts(cells, return_index=True)
        n_pts = np.bincount(slot, minlength=len(todo))
        n_parts = np.bincount(of, minlength=len(todo))
        whole = n_pts == n_parts
        # The k-th cell of a whole diagram belongs to the k-th point of its group.
        rank = np.arange(len(parts)) - (np.cumsum(n_parts) - n_parts)[of]
        at = np.where(whole[of], (np.cumsum(n_pts) - n_pts)[of] + rank, 0)
        fine = (whole[of] & shapely.is_valid(parts)
                & shapely.contains_xy(parts, pts[at, 0], pts[at, 1]))
        area = np.bincount(of, weights=shapely.area(parts), minlength=len(todo))
        envelope = shapely.area(shapely.envelope(cells))
        good = (whole & (np.bincount(of, weights=~fine, minlength=len(todo)) == 0)
                & (np.abs(area - envelope) <= 1e-9 * envelope))
        keep = good[of]
        pieces[take[at[keep]]] = parts[keep]
        todo = todo[~good]
        if len(todo) == 0:
            return pieces
    raise InputError("could not build a valid Voronoi diagram of the buildings in a block",
                     source="tessellate", field="geometry")


def _regions(
    blocks: np.ndarray, home: np.ndarray, xy: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each building's Voronoi region within its home block, and the buildings' labels; a
    block's diagram uses the generators inside it of the buildings anchored in it.

    The diagram's cells share exact edges, so they are merged per building by coverage union
    before anything is clipped: one clip per building at its block's edge, not one per point.
    """
    block = home[labels]
    idx = np.flatnonzero(block >= 0)
    shapely.prepare(blocks)
    idx = idx[shapely.intersects_xy(blocks[block[idx]], xy[idx, 0], xy[idx, 1])]
    key = np.column_stack([block[idx], np.round(xy[idx], 6)])
    by, starts = grouped_rows(key)  # one generator per spot and block: its first
    idx = idx[np.sort(by[starts])]
    idx = idx[np.argsort(block[idx], kind="stable")]
    xy, labels, block = xy[idx], labels[idx], block[idx]
    owners, slot = np.unique(labels, return_inverse=True)
    owner_block = np.empty(len(owners), dtype=np.int64)
    owner_block[slot] = block
    alone = np.bincount(owner_block, minlength=len(blocks))[block] == 1
    regions = np.empty(len(owners), dtype=object)
    regions[slot[alone]] = blocks[block[alone]]
    shared = ~alone
    if shared.any():
        pieces = _voronoi(xy[shared], block[shared], blocks)
        mixed, slot_of = np.unique(slot[shared], return_inverse=True)
        regions[mixed] = union_by(pieces, slot_of, len(mixed), coverage=True, valid=True)
        edge = mixed[~shapely.contains_properly(blocks[owner_block[mixed]], regions[mixed])]
        regions[edge] = polygonal(safe_intersection(regions[edge], blocks[owner_block[edge]]))
    return regions, owners


def _shared_spots(anchors: np.ndarray, home: np.ndarray) -> np.ndarray:
    """Whether each building's anchor lies at the same spot (to the micrometre) in the same
    block as another building's."""
    by, starts = grouped_rows(np.column_stack([home, np.round(anchors, 6)]))
    run = np.cumsum(starts) - 1
    shared = np.empty(len(by), dtype=bool)
    shared[by] = np.bincount(run)[run] > 1
    return shared
