"""Cells as a topology: neighbouring cells share identical edges (DESIGN §2).

Cells are unions of plots built block by block, so two cells meeting along a road can carry
different vertices on their common edge, or overlap or miss each other by micrometres. GIS
tools then see an invalid coverage (slivers, overlaps). Noding every cell boundary together
and polygonising gives faces that share their edges exactly; each face goes back to the cell it
came from, and the cells are rebuilt from their faces.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from grid.geomops import union_by


def as_coverage(cells: np.ndarray, outline: BaseGeometry) -> np.ndarray:
    """``cells`` (polygons tiling ``outline`` up to slivers) rebuilt as a valid coverage.

    A face claimed by several cells (a micro-overlap) goes to the first of them; a face inside
    ``outline`` claimed by none (a micro-gap) goes to the cell sharing its longest edge. Faces
    outside ``outline`` (its holes) stay empty. Cells keep their order.
    """
    cells = np.asarray(cells, dtype=object)
    if len(cells) < 2 or _is_tiling(cells, outline):
        return cells
    linework = shapely.union_all(shapely.boundary(cells))
    faces = np.asarray(shapely.get_parts(shapely.polygonize([linework])))
    if len(faces) == 0:
        return cells
    where = shapely.point_on_surface(faces)
    face_idx, cell_idx = shapely.STRtree(cells).query(where, predicate="within")
    owner = np.full(len(faces), -1, dtype=np.int64)
    owner[face_idx[::-1]] = cell_idx[::-1]  # the first claiming cell wins
    gaps = np.flatnonzero((owner < 0) & shapely.contains(outline, where))
    if len(gaps):
        owner[gaps] = _longest_edge_neighbour(faces[gaps], cells)
    keep = owner >= 0
    rebuilt = union_by(faces[keep], owner[keep], len(cells), coverage=True)
    claimed = np.zeros(len(cells), dtype=bool)
    claimed[owner[keep]] = True
    return np.where(claimed, rebuilt, cells)


def _longest_edge_neighbour(faces: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """For each face, the cell sharing the longest boundary with it (the nearest when none)."""
    f_idx, c_idx = shapely.STRtree(cells).query(faces, predicate="intersects")
    shared = shapely.length(
        shapely.intersection(shapely.boundary(faces[f_idx]), shapely.boundary(cells[c_idx]))
    )
    best = np.asarray(shapely.STRtree(cells).nearest(faces), dtype=np.int64)
    if len(f_idx):
        order = np.lexsort((-shared, f_idx))
        first_faces, first = np.unique(f_idx[order], return_index=True)
        winners = order[first]
        touching = shared[winners] > 0
        best[first_faces[touching]] = c_idx[winners][touching]
    return best


def _is_tiling(cells: np.ndarray, outline: BaseGeometry) -> bool:
    """Whether ``cells`` are already a valid coverage (no overlap, identical shared edges) of
    ``outline``'s area: unions of plots that share exact edges are, and need no rebuilding.
    The area may differ by the outline's snapping to the micrometre grid (~1e-9 of it)."""
    area = float(shapely.area(outline))
    return (bool(shapely.coverage_is_valid(cells))
            and abs(float(shapely.area(cells).sum()) - area) <= 1e-7 * area)
