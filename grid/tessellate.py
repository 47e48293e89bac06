"""Building plots: a tessellation of one community around its buildings (DESIGN §6).

Each building gets the part of the community closer to its footprint than to any other footprint
(a Voronoi diagram of points along the footprint outlines, merged per building), so the plots tile
the community exactly and cells can be made as unions of plots. When roads are given, the community
is first cut into blocks along them and each block is tessellated on its own, so plot edges run
along the roads ("enclosed tessellation", as momepy does it).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from grid.errors import InputError

#: Footprint outlines are densified to about this many points per building.
POINTS_PER_BUILDING = 5
#: Blocks or plot fragments smaller than this (m²) are merged into their neighbour.
MIN_PIECE_AREA = 1e-6
#: Grid (m) on which shared plot edges are measured.
EDGE_GRID = 1e-3
#: Grid (m) for re-unioning pieces that should be one polygon but touch along hairline gaps.
SNAP_GRID = 1e-6
#: Disconnected parts of a plot or cell smaller than this (m²) are hairline slivers and dropped.
SLIVER_AREA = 1e-2


def union_by(
    geoms: np.ndarray, labels: np.ndarray, n: int, *, coverage: bool = False,
    connected: bool = False,
) -> np.ndarray:
    """Union of ``geoms`` grouped by integer ``labels`` in ``[0, n)``, as one array of length ``n``.

    Vectorised: the groups are laid out as rows of a padded 2-D array and unioned along axis 1.
    ``coverage=True`` uses the much faster coverage union (for pieces with matching edges, such as
    Voronoi cells) and falls back to the full union for any group where that gives an invalid
    result (or raises on badly noded input). ``connected=True`` says each group shares edges, so
    a group that comes out in several parts (edges matching only to ~1e-10 m) is unioned again on
    a micrometre grid, which closes such hairline gaps; parts still apart that are smaller than
    ``SLIVER_AREA`` are then dropped (a gap far below the tiling tolerance). Labels with no
    geometry give an empty polygon.
    """
    labels = np.asarray(labels, dtype=np.int64)
    if n == 0:
        return np.empty(0, dtype=object)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]
    starts = np.searchsorted(sorted_labels, sorted_labels, side="left")
    rank = np.arange(len(order)) - starts
    width = int(rank.max()) + 1 if len(order) else 1
    table = np.full((n, width), None, dtype=object)
    table[sorted_labels, rank] = np.asarray(geoms, dtype=object)[order]
    out = None
    if coverage:
        try:
            out = shapely.coverage_union_all(table, axis=1)
        except shapely.errors.GEOSException:
            out = None
    if out is None:
        out = _robust_union(table)
    else:
        bad = ~shapely.is_valid(out)
        if bad.any():
            out[bad] = _robust_union(table[bad])
    if connected:
        split = np.flatnonzero(shapely.get_num_geometries(out) > 1)
        if len(split):
            snapped = shapely.union_all(table[split], axis=1, grid_size=SNAP_GRID)
            mended = shapely.get_num_geometries(snapped) == 1
            out[split[mended]] = snapped[mended]
            out[split[~mended]] = _drop_slivers(out[split[~mended]])
    out[shapely.is_missing(out)] = shapely.Polygon()
    return out


def _robust_union(table: np.ndarray) -> np.ndarray:
    """``union_all`` along rows; if GEOS meets a topology error (an invalid input piece), the
    rows are redone one by one and a failing row is unioned after repairing it with buffer(0)."""
    try:
        return shapely.union_all(table, axis=1)
    except shapely.errors.GEOSException:
        out = np.empty(len(table), dtype=object)
        for r, row in enumerate(table):  # rare error path, one step per group
            try:
                out[r] = shapely.union_all(row)
            except shapely.errors.GEOSException:
                out[r] = shapely.union_all(shapely.buffer(row[~shapely.is_missing(row)], 0))
        return out


def _drop_slivers(geoms: np.ndarray) -> np.ndarray:
    """Multi-part geometries without their parts smaller than ``SLIVER_AREA`` (largest kept)."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    area = shapely.area(parts)
    order = np.lexsort((-area, owner))
    first = np.zeros(len(parts), dtype=bool)
    first[order[np.unique(owner[order], return_index=True)[1]]] = True
    keep = first | (area >= SLIVER_AREA)
    return union_by(np.asarray(parts)[keep], owner[keep], len(geoms))


def safe_intersection(a: object, b: object, grid_size: float | None = None) -> np.ndarray:
    """``shapely.intersection`` that survives GEOS topology errors on near-degenerate input:
    on an error it is redone on a coarser grid (micrometre, or ten times ``grid_size``)."""
    try:
        return shapely.intersection(a, b, grid_size=grid_size)
    except shapely.errors.GEOSException:
        coarser = SNAP_GRID if grid_size is None else grid_size * 10.0
        return shapely.intersection(a, b, grid_size=coarser)


def shared_edge_length(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Length of boundary shared by each pair ``a[k]``, ``b[k]`` of polygons, pairwise.

    Pairs with no exact shared edge are measured again on a millimetre grid, because plots
    clipped on either side of a road have collinear edges whose vertices differ in the last
    bits; exact intersection would miss such adjacency.
    """
    ba, bb = shapely.boundary(a), shapely.boundary(b)
    length = shapely.length(safe_intersection(ba, bb))
    redo = np.flatnonzero(length <= EDGE_GRID)
    if len(redo):
        length[redo] = shapely.length(safe_intersection(ba[redo], bb[redo], EDGE_GRID))
    return length


def matching_edges(plots: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``i < j`` of plots with identical boundary segments, and the segments' total length.

    Exact and vectorised: every ring segment gets a key from its sorted endpoints, and segments
    whose key occurs in two plots are shared edges (Voronoi plots of one block share them so).
    """
    rings, owner = shapely.get_rings(plots, return_index=True)
    xy, ring = shapely.get_coordinates(rings, return_index=True)
    same = ring[:-1] == ring[1:]
    p, q = xy[:-1][same], xy[1:][same]
    seg_owner = owner[ring[:-1][same]]
    swap = (p[:, 0] > q[:, 0]) | ((p[:, 0] == q[:, 0]) & (p[:, 1] > q[:, 1]))
    lo, hi = np.where(swap[:, None], q, p), np.where(swap[:, None], p, q)
    keys = np.column_stack([lo, hi])
    _, group, count = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    group = group.ravel()
    twice = count[group] == 2
    order = np.argsort(group[twice], kind="stable")
    segs = np.flatnonzero(twice)[order]
    a, b = seg_owner[segs[0::2]], seg_owner[segs[1::2]]
    length = np.hypot(*(hi[segs[0::2]] - lo[segs[0::2]]).T)
    differ = a != b
    i, j = np.minimum(a, b)[differ], np.maximum(a, b)[differ]
    if len(i) == 0:
        return i, j, length[differ]
    n = len(plots)
    pair, inv = np.unique(i.astype(np.int64) * n + j, return_inverse=True)
    total = np.bincount(inv.ravel(), weights=length[differ])
    return pair // n, pair % n, total


def representative_xy(geoms: np.ndarray) -> np.ndarray:
    """An (n, 2) array of points guaranteed to lie on each geometry (the building's anchor).

    The centroid where it lies on the geometry (almost every footprint, and cheap), otherwise
    GEOS's point on surface.
    """
    geoms = np.asarray(geoms, dtype=object)
    xy = shapely.get_coordinates(shapely.centroid(geoms))
    if len(xy) != len(geoms):  # an empty geometry has no centroid coordinates
        return shapely.get_coordinates(shapely.point_on_surface(geoms))
    off = np.flatnonzero(~shapely.intersects_xy(geoms, xy[:, 0], xy[:, 1]))
    if len(off):
        xy[off] = shapely.get_coordinates(shapely.point_on_surface(geoms[off]))
    return xy


def _generators(geoms: np.ndarray, anchors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Voronoi generator points and their building labels: anchors first, then outline points."""
    perimeter = shapely.length(shapely.boundary(geoms))
    spacing = np.maximum(perimeter / POINTS_PER_BUILDING, 0.5)
    outline = shapely.segmentize(shapely.boundary(geoms), spacing)
    coords, idx = shapely.get_coordinates(outline, return_index=True)
    xy = np.vstack([anchors, coords])
    labels = np.concatenate([np.arange(len(geoms)), idx])
    return xy, labels


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


def _ground_to_home_block(blocks: np.ndarray, ground: np.ndarray, home: np.ndarray) -> np.ndarray:
    """Blocks where a building standing across a road keeps all its ground in its home block.

    In real data footways, passages and service roads run through and under buildings; the
    building's ground is taken out of the other blocks and added to its own, so no road
    splits a building while every other stretch of road still bounds the blocks.
    """
    idx = np.flatnonzero(~shapely.is_empty(ground) & (home >= 0))
    if len(idx) == 0 or len(blocks) < 2:
        return blocks
    g, b = shapely.STRtree(blocks).query(ground[idx], predicate="intersects")
    foreign = b != home[idx[g]]
    g, b = g[foreign], b[foreign]
    inside = shapely.area(shapely.intersection(ground[idx[g]], blocks[b], grid_size=SNAP_GRID))
    straddlers = np.unique(idx[g[inside > 0]])
    if len(straddlers) == 0:
        return blocks
    cut = shapely.union_all(ground[straddlers], grid_size=SNAP_GRID)
    out = shapely.difference(blocks, cut, grid_size=SNAP_GRID)
    homes, slot = np.unique(home[straddlers], return_inverse=True)
    taken = union_by(ground[straddlers], slot, len(homes))
    out[homes] = shapely.union(out[homes], taken, grid_size=SNAP_GRID)
    return out


def _voronoi(xy: np.ndarray, block: BaseGeometry) -> np.ndarray:
    """Voronoi cells of ``xy`` (same order) covering ``block``, checked: cells are valid, each
    holds its point and together they add up to their envelope. GEOS can return invalid,
    overlapping cells for nearly regular rows of points; then the points are nudged by a
    deterministic fraction of a millimetre and the diagram is built again."""
    nudge = np.mod(np.sin(xy[:, 0] * 12.9898 + xy[:, 1] * 78.233) * 43758.5453, 1.0) - 0.5
    for attempt in range(4):
        pts = xy + np.column_stack([nudge, nudge[::-1]]) * 1e-4 * attempt
        cells = shapely.voronoi_polygons(shapely.multipoints(pts), extend_to=block, ordered=True)
        pieces = np.asarray(shapely.get_parts(cells))
        if len(pieces) != len(xy):
            continue
        envelope = shapely.area(shapely.envelope(cells))
        if (shapely.is_valid(pieces).all()
                and shapely.contains_xy(pieces, pts[:, 0], pts[:, 1]).all()
                and abs(shapely.area(pieces).sum() - envelope) <= 1e-9 * envelope):
            return pieces
    raise InputError("could not build a valid Voronoi diagram of the buildings in a block",
                     source="tessellate", field="geometry")


def _tessellate_block(
    block: BaseGeometry, xy: np.ndarray, labels: np.ndarray, mine: np.ndarray,
    solid: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Voronoi pieces of one block with their building labels; only generators inside the block
    from buildings anchored in it (``mine``, a boolean mask over buildings) are used.

    ``solid`` holds each building's own ground (disjoint footprints; empty for points): it is
    cut out of the Voronoi pieces and added back whole under the building's label, so every
    plot covers its footprint exactly even where buildings share walls."""
    inside = mine[labels] & shapely.intersects_xy(block, xy[:, 0], xy[:, 1])
    xy, labels = xy[inside], labels[inside]
    _, first = np.unique(np.round(xy, 6), axis=0, return_index=True)
    first.sort()
    xy, labels = xy[first], labels[first]
    if len(np.unique(labels)) == 1:
        return np.array([block], dtype=object), labels[:1]
    pieces = _voronoi(xy, block)
    shapely.prepare(block)
    edge = ~shapely.contains_properly(block, pieces)
    pieces[edge] = safe_intersection(pieces[edge], block)
    # Near-degenerate diagrams (regular rows of buildings) can give self-touching cells.
    invalid = ~shapely.is_valid(pieces)
    pieces[invalid] = shapely.buffer(pieces[invalid], 0)
    keep = ~shapely.is_empty(pieces)
    pieces, labels = pieces[keep], labels[keep]
    # Pieces live on a micrometre grid (snap rounding), like their blocks: floating overlay of
    # the near-coincident edges of real footprints and Voronoi pieces can silently lose a
    # footprint, and mixing snapped and unsnapped neighbours leaves micro-overlaps. Every piece
    # is snapped, so shared Voronoi edges stay identical.
    pieces = shapely.set_precision(pieces, SNAP_GRID)
    keep = ~shapely.is_empty(pieces)
    return _with_footprints(block, pieces[keep], labels[keep], mine, solid)


def _with_footprints(
    block: BaseGeometry, pieces: np.ndarray, labels: np.ndarray, mine: np.ndarray,
    solid: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Voronoi pieces with the block's footprints cut out, plus each footprint as a piece of
    its own building (see :func:`_tessellate_block`)."""
    own = np.flatnonzero(mine & ~shapely.is_empty(solid))
    if len(own) == 0:
        return pieces, labels
    ground = polygonal(safe_intersection(solid[own], block, SNAP_GRID))
    present = ~shapely.is_empty(ground) & (shapely.area(ground) > 0)
    own, ground = own[present], ground[present]
    if len(own) == 0:
        return pieces, labels
    # Each piece loses only the footprints it touches (a few), not the block's whole union.
    p_idx, g_idx = shapely.STRtree(ground).query(pieces, predicate="intersects")
    pieces = pieces.copy()
    if len(p_idx):
        hit, slot = np.unique(p_idx, return_inverse=True)
        cutters = union_by(ground[g_idx], slot, len(hit))
        pieces[hit] = shapely.difference(pieces[hit], cutters, grid_size=SNAP_GRID)
    keep = ~shapely.is_empty(pieces) & (shapely.area(pieces) > 0)
    return (np.concatenate([pieces[keep], ground]),
            np.concatenate([labels[keep], own]))


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """``geoms`` with only their polygonal parts: an overlay of touching shapes can return a
    collection with stray lines or points, which later overlays refuse to mix with areas."""
    geoms = np.asarray(geoms, dtype=object)
    mixed = np.flatnonzero(shapely.get_type_id(geoms) == 7)  # GeometryCollection
    if len(mixed) == 0:
        return geoms
    parts, idx = shapely.get_parts(geoms[mixed], return_index=True)
    areal = np.isin(shapely.get_type_id(parts), (3, 6))
    out = geoms.copy()
    out[mixed] = shapely.Polygon()
    if areal.any():
        kept = np.unique(idx[areal])
        merged = union_by(parts[areal], np.searchsorted(kept, idx[areal]), len(kept))
        out[mixed[kept]] = merged
    return out


def _union(geoms: np.ndarray) -> BaseGeometry:
    """Union of polygons that form a coverage (no overlaps): the fast coverage union keeps
    their vertices exactly, so cut-outs match the pieces added back; general union otherwise."""
    try:
        out = shapely.coverage_union_all(geoms)
        if out.is_valid:
            return out
    except shapely.errors.GEOSException:
        pass
    return shapely.union_all(geoms)


def disjoint_footprints(footprints: np.ndarray) -> np.ndarray:
    """Footprints made disjoint (each minus the earlier ones it overlaps), with empty polygons
    for buildings given as points: the ground each building owns outright in its plot."""
    fp = np.asarray(footprints, dtype=object)
    solid = np.where(shapely.area(fp) > 0, fp, shapely.Polygon())
    tree = shapely.STRtree(solid)
    # "intersects", not "overlaps": a footprint drawn inside another (common in OSM) counts too.
    i, j = tree.query(solid, predicate="intersects")
    later = i > j
    i, j = i[later], j[later]
    shared = shapely.area(shapely.intersection(solid[i], solid[j], grid_size=SNAP_GRID)) > 0
    i, j = i[shared], j[shared]
    if len(i) == 0:
        return solid
    out = solid.copy()
    takers = np.unique(i)
    slot = np.searchsorted(takers, i)
    earlier = union_by(solid[j], slot, len(takers))
    out[takers] = shapely.difference(solid[takers], earlier, grid_size=SNAP_GRID)
    return out


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


def plot_array(
    community: BaseGeometry, footprints: np.ndarray, roads: np.ndarray | None = None
) -> np.ndarray:
    """Plots (one polygon per footprint, same order) tiling ``community``; arrays in, array out.

    The array form of :func:`plots`.
    """
    return plots_and_blocks(community, footprints, roads)[0]


def plots_and_blocks(
    community: BaseGeometry, footprints: np.ndarray, roads: np.ndarray | None = None,
    anchors: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Plots as :func:`plot_array`, and each plot's block (-1 when it spans blocks).

    Plots in one block share exact Voronoi edges; only pairs across blocks need the tolerant
    edge measure, which the partition's adjacency graph uses to save time. ``anchors`` are the
    footprints' ``representative_xy`` when the caller has them already.
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
    solid = disjoint_footprints(footprints)
    has_ground = ~shapely.is_empty(solid)
    # A building whose footprint overlaps an earlier one is anchored in the ground it owns.
    trimmed = np.flatnonzero(has_ground & (shapely.area(solid) < shapely.area(footprints)))
    if len(trimmed):
        anchors = anchors.copy()
        anchors[trimmed] = representative_xy(solid[trimmed])
    xy, labels = _generators(footprints, anchors)
    blocks = shapely.set_precision(_blocks(community, roads), SNAP_GRID)
    blocks = blocks[~shapely.is_empty(blocks)]
    block_of = shapely.STRtree(blocks).query(shapely.points(anchors), predicate="intersects")
    home = np.full(len(footprints), -1, dtype=np.int64)
    home[block_of[0][::-1]] = block_of[1][::-1]
    blocks = _ground_to_home_block(blocks, polygonal(shapely.intersection(solid, community)), home)
    occupied = np.zeros(len(blocks), dtype=bool)
    occupied[home] = True
    pieces, piece_labels = [], []
    for b in np.flatnonzero(occupied):
        p, lab = _tessellate_block(blocks[b], xy, labels, home == b, solid)
        pieces.append(p)
        piece_labels.append(lab)
    merged = union_by(
        np.concatenate(pieces), np.concatenate(piece_labels), len(footprints), coverage=True
    )
    missing = shapely.is_empty(merged)
    if missing.any():
        raise InputError(
            "building shares its location with another building", source="buildings",
            feature=int(np.flatnonzero(missing)[0]), field="geometry",
        )
    spare = blocks[~occupied]
    result, grew = _attach_orphans(merged, anchors, spare[~shapely.is_empty(spare)])
    return result, np.where(grew, -1, home)


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


def hosts_of_nested(footprints: np.ndarray) -> np.ndarray:
    """For each footprint, the building it lies within (-1 for most): a footprint keeping less
    than half its area after :func:`disjoint_footprints` (drawn inside or over another, as OSM
    building parts often are) belongs with the building it overlaps most. Hosts are never
    nested themselves, so one lookup suffices."""
    fp = np.asarray(footprints, dtype=object)
    host = np.full(len(fp), -1, dtype=np.int64)
    area = shapely.area(fp)
    ground = shapely.area(disjoint_footprints(fp))
    nested = np.flatnonzero((area > 0) & (ground < 0.5 * area))
    if len(nested) == 0:
        return host
    i, j = shapely.STRtree(fp).query(fp[nested], predicate="intersects")
    ok = (nested[i] != j) & ~np.isin(j, nested)
    i, j = i[ok], j[ok]
    shared = shapely.area(shapely.intersection(fp[nested[i]], fp[j], grid_size=SNAP_GRID))
    order = np.lexsort((-shared, i))
    firsts, first = np.unique(i[order], return_index=True)
    winners = order[first]
    found = shared[winners] > 0
    host[nested[firsts[found]]] = j[winners][found]
    return host

