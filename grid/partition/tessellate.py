"""Building plots: a tessellation of one community around its buildings (DESIGN §6).

Each building gets the part of the community closer to its anchor than to any other building's
(a Voronoi diagram of the anchors) and, whatever the diagram says, its whole footprint
(``grid.partition.footprints``), so the plots tile the community
exactly and cells can be made as unions of plots. When roads are given, the community is first cut
into blocks along them and each block is tessellated on its own, so plot edges run along the roads
("enclosed tessellation", as momepy does it).

The outlines that need it (footprints crossing Voronoi edges, the regions they reach, regions
clipped where their block meets another, empty blocks) are noded together once on a micrometre
grid and polygonised; each face goes to the footprint holding it, else to the Voronoi region
holding it.
The other regions, rounded to the same grid, are plots as they are (most of a community, and the
noding is the costly step). The faces share their edges exactly with each other and with those
regions, so plots are a valid coverage everywhere, across roads too, and every union of them is
a fast coverage union.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from grid.errors import InputError
from grid.geomops import (
    EDGE_GRID,
    SNAP_GRID,
    polygonal,
    representative_xy,
    shared_edge_length,
    union_by,
)
from grid.partition.footprints import disjoint_footprints as disjoint_footprints
from grid.partition.footprints import ground_to_home_block
from grid.partition.voronoi import anchor_voronoi

#: Blocks or plot fragments smaller than this (m²) are merged into their neighbour.
MIN_PIECE_AREA = 1e-6
#: Regions this close (m) to a footprint that crosses region edges are noded with it.
NEAR = 1e-3


def _blocks(community: BaseGeometry, roads: np.ndarray | None) -> np.ndarray:
    """The community cut into blocks along the roads (the community itself without roads)."""
    if roads is None or len(roads) == 0:
        return np.array([community], dtype=object)
    lines = shapely.intersection(roads, community)
    lines = lines[~shapely.is_empty(lines)]
    if len(lines) == 0:
        return np.array([community], dtype=object)
    noded = shapely.union_all(np.concatenate([[shapely.boundary(community)], lines]))
    faces = np.asarray(shapely.get_parts(shapely.polygonize([noded])))
    keep = shapely.contains_xy(community, representative_xy(faces))
    faces = faces[keep & (shapely.area(faces) > MIN_PIECE_AREA)]
    return faces if len(faces) else np.array([community], dtype=object)


def _anchor_regions(
    footprints: np.ndarray, anchors: np.ndarray, blocks: np.ndarray, home: np.ndarray,
    ground: np.ndarray, own: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Buildings' regions, their owners, and the buildings of ``own`` whose ground crosses its
    region (to be noded with the regions it reaches, so plots hold footprints whole).

    A building is represented by its anchor, and also by its outline's vertices when its
    anchor shares its spot with another's. Outlining every building (momepy's morphological
    tessellation) cost twice the time here for no better cells on the district, the high-rise
    sample or Helsinki: footprints are noded in exactly wherever they cross, and cells are
    unions of plots, so where a plot's edge runs between two buildings matters little."""
    regions, owners = anchor_voronoi(footprints, anchors, blocks, home)
    crossing = own[~_inside_own_region(ground[own], own, regions, owners)]
    return regions, owners, crossing


def _inside_own_region(
    ground: np.ndarray, own: np.ndarray, regions: np.ndarray, owners: np.ndarray
) -> np.ndarray:
    """Whether each footprint lies strictly inside its own building's region: most do, and
    such a footprint changes no plot, so it is left out of the noding."""
    inside = np.zeros(len(own), dtype=bool)
    if len(owners) == 0:
        return inside
    pos = np.minimum(np.searchsorted(owners, own), len(owners) - 1)
    has = owners[pos] == own
    shapely.prepare(regions)
    inside[has] = shapely.contains_properly(regions[pos[has]], ground[has])
    return inside


def _to_node(
    regions: np.ndarray, owners: np.ndarray, grounds: np.ndarray, own: np.ndarray,
    blocks: np.ndarray, block: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Regions (of buildings ``owners``, in ``blocks[block]``) rounded to the micrometre grid,
    and which of them need noding with the footprints: those a footprint not inside its own
    region reaches (or nearly), those of such footprints' buildings, and those clipped at
    the edge of a block that touches another block (so plots across a road share its exact
    edge; a region clipped at the community's outline has no neighbour there). The others keep
    their exact edges: noding on the grid leaves a vertex already on the grid where it is, so
    their neighbours' edges still match them. All are noded when rounding a region spoils it
    (a Voronoi edge shorter than the grid)."""
    everything = np.ones(len(regions), dtype=bool)
    rounded = shapely.set_precision(regions, SNAP_GRID, mode="pointwise")
    if not (shapely.is_valid(rounded) & ~shapely.is_empty(rounded)).all():
        return regions, everything
    a, b = shapely.STRtree(blocks).query(blocks, predicate="intersects")
    bordered = np.bincount(a[a != b], minlength=len(blocks)) > 0
    noded = bordered[block]  # clipped where its block meets another (most blocks have none)
    noded[noded] = ~shapely.contains_properly(blocks[block[noded]], regions[noded])
    if len(grounds):
        _, near = shapely.STRtree(rounded).query(grounds, predicate="dwithin",
                                                 distance=NEAR)
        noded[near] = True
        noded[np.isin(owners, own)] = True
    return rounded, noded


def _faces(lines: np.ndarray) -> np.ndarray:
    """Faces of the arrangement of ``lines``, noded together on the micrometre grid (snap
    rounding: robust, and neighbouring faces share identical edges)."""
    noded = shapely.union_all(lines, grid_size=SNAP_GRID)
    faces = np.asarray(shapely.get_parts(shapely.polygonize([noded])))
    return faces[shapely.area(faces) > 0]


def _claim(
    faces: np.ndarray, layers: np.ndarray, layer_labels: np.ndarray, community: BaseGeometry
) -> np.ndarray:
    """Label of each face: that of the first layer holding a point inside it; -1 for a face
    of the community no layer claims (an empty block, a hairline gap), -2 outside it."""
    where = representative_xy(faces)
    f, c = shapely.STRtree(layers).query(shapely.points(where), predicate="intersects")
    first = np.full(len(faces), len(layers), dtype=np.int64)
    np.minimum.at(first, f, c)
    owner = np.where(first < len(layers), layer_labels[np.minimum(first, len(layers) - 1)], -1)
    shapely.prepare(community)
    outside = (owner < 0) & ~shapely.intersects_xy(community, where[:, 0], where[:, 1])
    owner[outside] = -2
    return owner


def _neighbour_by_edge(orphans: np.ndarray, plots: np.ndarray, exclude: np.ndarray) -> np.ndarray:
    """For each orphan piece, the plot sharing the longest edge with it (-1 when none does)."""
    tree = shapely.STRtree(plots)
    o_idx, p_idx = tree.query(orphans, predicate="intersects")
    ok = p_idx != exclude[o_idx]
    o_idx, p_idx = o_idx[ok], p_idx[ok]
    shared = shared_edge_length(orphans[o_idx], plots[p_idx])
    best = np.full(len(orphans), -1, dtype=np.int64)
    if len(o_idx):
        order = np.lexsort((-shared, o_idx))
        o_sorted, first = np.unique(o_idx[order], return_index=True)
        winners = order[first]
        has_edge = shared[winners] > EDGE_GRID
        best[o_sorted[has_edge]] = p_idx[winners][has_edge]
    return best


def _attach_orphans(
    plots: np.ndarray, anchors: np.ndarray, empties: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Plots made single polygons: fragments cut off from their building and empty blocks are
    merged into the plot they share the longest edge with (the nearest plot when none).

    Also returns which plots took in such pieces."""
    parts, owner = shapely.get_parts(plots, return_index=True)
    parts = np.asarray(parts)
    grew = np.zeros(len(plots), dtype=bool)
    if len(parts) == len(plots) and len(empties) == 0:
        return plots, grew
    holds_anchor = shapely.intersects_xy(parts, anchors[owner, 0], anchors[owner, 1])
    # Keep exactly one part per plot: the first part holding the anchor, else its largest.
    score = holds_anchor * 1e18 + shapely.area(parts)
    order = np.lexsort((-score, owner))
    _, first = np.unique(owner[order], return_index=True)
    kept = np.zeros(len(parts), dtype=bool)
    kept[order[first]] = True
    orphans = np.concatenate([parts[~kept], empties])
    base = np.empty(len(plots), dtype=object)
    base[owner[kept]] = parts[kept]
    target = np.full(len(orphans), -1, dtype=np.int64)
    pending = np.arange(len(orphans))
    current = base.copy()
    while len(pending):
        found = _neighbour_by_edge(orphans[pending], current, np.full(len(pending), -1))
        if not (found >= 0).any():
            found = np.asarray(shapely.STRtree(current).nearest(orphans[pending]), dtype=np.int64)
        target[pending[found >= 0]] = found[found >= 0]
        pending = pending[found < 0]
        current = _absorb(base, orphans, target)
    grew[target[target >= 0]] = True
    return current, grew


def _absorb(base: np.ndarray, orphans: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``base`` plots with the orphans assigned to them (``target`` ≥ 0) unioned in."""
    out = base.copy()
    taken = target >= 0
    hosts = np.unique(target[taken])
    if len(hosts) == 0:
        return out
    slot = np.searchsorted(hosts, target[taken])
    out[hosts] = union_by(
        np.concatenate([base[hosts], orphans[taken]]),
        np.concatenate([np.arange(len(hosts)), slot]), len(hosts), connected=True,
    )
    return out




def _home_blocks(blocks: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    """The block holding each anchor (the first, on a shared edge; -1 when none does)."""
    if len(blocks) == 1:  # no road crosses the community
        shapely.prepare(blocks[0])
        return np.where(shapely.intersects_xy(blocks[0], anchors[:, 0], anchors[:, 1]), 0, -1)
    found = shapely.STRtree(blocks).query(shapely.points(anchors), predicate="intersects")
    home = np.full(len(anchors), -1, dtype=np.int64)
    home[found[0][::-1]] = found[1][::-1]
    return home


def plot_array(
    community: BaseGeometry, footprints: np.ndarray, roads: np.ndarray | None = None
) -> np.ndarray:
    """Plots (one polygon per footprint, same order) tiling ``community``; arrays in, array out.

    The array form of :func:`plots`.
    """
    return plots_and_blocks(community, footprints, roads)[0]


def plots_and_blocks(
    community: BaseGeometry, footprints: np.ndarray, roads: np.ndarray | None = None,
    anchors: np.ndarray | None = None, plain: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Plots as :func:`plot_array`, and each plot's edge group (-1 when unknown).

    Plots of one group share exact edges with each other; only pairs involving -1 (plots that
    took in cut-off fragments) need the tolerant edge measure, which the partition's adjacency
    graph uses to save time. ``anchors`` are the footprints' ``representative_xy`` when the
    caller has them already, ``plain`` the footprints' ``disjoint_footprints`` (no anchors).
    """
    footprints = np.asarray(footprints, dtype=object)
    if len(footprints) == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    anchors = representative_xy(footprints) if anchors is None else anchors
    outside = ~shapely.intersects_xy(community, anchors[:, 0], anchors[:, 1])
    if outside.any():
        raise InputError(
            "building lies outside the community", source="buildings",
            feature=int(np.flatnonzero(outside)[0]), field="geometry",
        )
    if len(footprints) == 1:
        return np.array([community], dtype=object), np.full(1, -1, dtype=np.int64)
    solid = disjoint_footprints(footprints, anchors, plain)
    has_ground = ~shapely.is_empty(solid)
    # A building whose footprint overlaps an earlier one keeps its anchor where the ground it
    # owns holds it (see disjoint_footprints), else it is anchored inside that ground.
    trimmed = np.flatnonzero(has_ground & (shapely.area(solid) < shapely.area(footprints))
                             & ~shapely.contains_xy(solid, anchors[:, 0], anchors[:, 1]))
    if len(trimmed):
        anchors = anchors.copy()
        anchors[trimmed] = representative_xy(solid[trimmed])
    blocks = shapely.set_precision(_blocks(community, roads), SNAP_GRID)
    blocks = blocks[~shapely.is_empty(blocks)]
    home = _home_blocks(blocks, anchors)
    shapely.prepare(community)
    ground = solid.copy()  # clipped only where a footprint reaches the community's edge
    edge = np.flatnonzero(~shapely.contains_properly(community, solid) & has_ground)
    ground[edge] = polygonal(shapely.intersection(solid[edge], community))
    blocks = ground_to_home_block(blocks, ground, home)
    occupied = np.zeros(len(blocks), dtype=bool)
    occupied[home[home >= 0]] = True
    own = np.flatnonzero(~shapely.is_empty(ground) & (shapely.area(ground) > 0))
    regions, owners, own = _anchor_regions(footprints, anchors, blocks, home, ground, own)
    regions, noded = _to_node(regions, owners, ground[own], own, blocks, home[owners])
    # Footprints come first, so a face inside one is its building's, whatever the diagram says.
    layers = np.concatenate([ground[own], regions[noded]])
    layer_labels = np.concatenate([own, owners[noded]])
    spare = blocks[~occupied & ~shapely.is_empty(blocks)]
    faces = _faces(shapely.boundary(np.concatenate([layers, spare])))
    # Regions left out of the noding are plots (or their main piece) as they are; faces
    # the noding closes over them (-3) are dropped. Faces of noded lines and the regions
    # (checked valid in ``_to_node``) are valid polygons.
    owner = _claim(faces, np.concatenate([layers, regions[~noded]]),
                   np.concatenate([layer_labels, np.full(int((~noded).sum()), -3)]), community)
    faces = np.concatenate([faces, regions[~noded]])
    owner = np.concatenate([owner, owners[~noded]])
    mine = owner >= 0
    merged = union_by(faces[mine], owner[mine], len(footprints), coverage=True, valid=True)
    missing = shapely.is_empty(merged)
    if missing.any():
        raise InputError(
            "building shares its location with another building", source="buildings",
            feature=int(np.flatnonzero(missing)[0]), field="geometry",
        )
    result, grew = _attach_orphans(merged, anchors, faces[owner == -1])
    return result, np.where(grew, -1, 0)


def plots(
    community: BaseGeometry,
    buildings_metric: gpd.GeoDataFrame,
    roads_metric: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
) -> gpd.GeoDataFrame:
    """Building plots tiling ``community`` exactly, one per building (index = the buildings').

    All inputs are in the same metric CRS. With no building the whole community is one plot
    (index empty label ``None``). Buildings may be footprints or points.
    """
    crs = buildings_metric.crs
    if len(buildings_metric) == 0:
        return gpd.GeoDataFrame({"building": [None]}, geometry=[community], crs=crs)
    roads = None
    if roads_metric is not None and len(roads_metric):
        roads = np.asarray(roads_metric.geometry.values, dtype=object)
    geoms = plot_array(community, np.asarray(buildings_metric.geometry.values, dtype=object), roads)
    return gpd.GeoDataFrame(
        {"building": buildings_metric.index.to_numpy()}, geometry=geoms, crs=crs,
        index=buildings_metric.index,
    )
