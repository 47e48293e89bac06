"""Partition communities into cells of 100–200 households (DESIGN §6, CONTRACTS ``partition``).

Per community: buildings are tessellated into plots tiling the community
(``grid.partition.tessellate``); plots are joined by an adjacency graph whose links avoid crossing
roads; the graph's spanning tree is cut recursively into cells (``grid.partition.bisection``); cells
below the minimum are merged into a neighbour where that stays within the maximum, and cells still
out of bounds are re-cut together with one or two neighbours (``grid.partition.recombine``);
a building over the maximum forms its own cell, below which its households are divided into
vertical cells (``grid.partition.vertical``). Cells are unions of plots, so they tile the
community.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from grid.domain.codes import sequence_codes
from grid.errors import InputError
from grid.geomops import representative_xy, union_by
from grid.input.crs import metric_crs, projected
from grid.partition.bisection import bisect
from grid.partition.bounds import Bounds
from grid.partition.checks import (
    check_buildings,
    check_community_polygons,
    check_roads,
    community_bounds,
)
from grid.partition.footprints import (
    OVERLAP_SHARE,
    disjoint_footprints,
    footprint_hosts,
    grouped_pairs,
)
from grid.partition.frames import (
    Layers,
    building_layers,
    cells_in_wgs84,
    community_table,
    outside_rows,
)
from grid.partition.graph import PlotGraph, plot_graph
from grid.partition.moves import merge_small, move_plots
from grid.partition.recombine import recombine
from grid.partition.report import partition_report
from grid.partition.straddle import owners
from grid.partition.tessellate import plots_and_blocks
from grid.partition.topology import as_coverage
from grid.partition.topup import StackMisses, stack_misses, top_up_stacks
from grid.partition.vertical import (
    VERTICAL_COLUMNS,
    community_stacks,
    stack_exceptions,
    stack_frame,
)

EXCEPTION_COLUMNS = ["community_code", "cell_code", "kind", "reason"]
#: Households per cell by policy unless the caller says otherwise (DESIGN §6).
DEFAULT_BOUNDS = Bounds(100, 200)


@dataclass
class PartitionResult:
    """Cells, buildings with their cell, and every exception with a human-readable reason."""

    cells: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    exceptions: pd.DataFrame
    bounds: tuple[int, int] = (100, 200)
    communities: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Vertical cells (楼栋网格) below the cells of buildings over the maximum:
    #: ``grid.partition.vertical.VERTICAL_COLUMNS``.
    vertical: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=VERTICAL_COLUMNS))

    def report(self) -> str:
        """A readable text report: per community households, cells, spread, compactness and
        exceptions with their reasons, then totals."""
        return partition_report(self.cells, self.exceptions, self.communities, self.bounds,
                                self.vertical)


@dataclass
class CommunityCells:
    """One community's cells in the metric CRS, before codes are given."""

    geoms: np.ndarray
    households: np.ndarray
    n_buildings: np.ndarray
    building_cell: np.ndarray
    notes: list[tuple[int, str, str]]


def _moments(plots: np.ndarray) -> np.ndarray:
    """Per plot (area, area·x, area·y, area·(x²+y²)) about the plots' mean, for compactness."""
    area = shapely.area(plots)
    xy = shapely.get_coordinates(shapely.centroid(plots))
    xy = xy - xy.mean(axis=0)
    return np.column_stack([area, area * xy[:, 0], area * xy[:, 1], area * (xy**2).sum(axis=1)])


def community_cells(
    geom: BaseGeometry, footprints: np.ndarray, h: np.ndarray, roads: np.ndarray | None,
    bounds: Bounds, seed: int, anchors: np.ndarray | None = None,
    units: np.ndarray | None = None, levels: np.ndarray | None = None,
) -> CommunityCells:
    """Cells of one community (metric CRS) from its buildings' footprints and households;
    with the buildings' ``units`` and ``levels``, tall cells are topped up (``topup``).

    Footprints drawn inside or over others are counted with one host building
    (:func:`~grid.partition.footprints.footprint_hosts`), so they always share a cell, the one
    holding the host's anchor, and none is split.
    """
    anchors = representative_xy(footprints) if anchors is None else anchors
    host, pairs = footprint_hosts(footprints, h)
    guest = host >= 0  # counted with a host building
    keep = np.flatnonzero(~guest)
    misses = None
    if units is not None and levels is not None:
        misses = stack_misses(h[keep], units[keep], levels[keep], bounds)
    if not guest.any():
        return _unit_cells(geom, footprints, h, roads, bounds, seed, anchors, misses,
                           disjoint_footprints(footprints, pairs=pairs))
    slot = np.full(len(footprints), -1, dtype=np.int64)
    slot[keep] = np.arange(len(keep))
    group = np.where(guest, slot[host], slot)
    hh = np.bincount(group, weights=h, minlength=len(keep))
    # A host stands on its guests' footprints too, so their area lies in its plot and cell.
    grounds = footprints[keep].copy()
    hosts = np.unique(group[guest])
    with_guests = np.isin(group, hosts)
    grounds[hosts] = union_by(footprints[with_guests], np.searchsorted(hosts, group[with_guests]),
                              len(hosts))
    cells = _unit_cells(geom, grounds, hh.astype(h.dtype), roads, bounds, seed, anchors[keep],
                        misses, disjoint_footprints(grounds, pairs=grouped_pairs(group, pairs)))
    labels = cells.building_cell[np.where(guest, slot[host], slot)]
    cells.building_cell = labels
    cells.n_buildings = np.bincount(labels, minlength=len(cells.geoms)).astype(np.int64)
    cells.notes += _overlap_notes(group, h, labels, bounds)
    return cells


def _overlap_notes(group: np.ndarray, h: np.ndarray, labels: np.ndarray,
                   bounds: Bounds) -> list[tuple[int, str, str]]:
    """An ``overlapping_buildings`` note for each cell over the maximum only because buildings
    whose footprints overlap (or lie inside one another) were kept together in it."""
    size = np.bincount(group)
    total = np.bincount(group, weights=h)
    biggest = np.zeros(len(size))
    np.maximum.at(biggest, group, h)
    over = np.flatnonzero((size > 1) & (total > bounds.high) & (biggest <= bounds.high))
    notes = []
    for g in over:
        cell = int(labels[np.flatnonzero(group == g)[0]])
        notes.append((cell, "overlapping_buildings", (
            f"cell has {int(total[g])} households (> max {bounds.high}): {int(size[g])} "
            "buildings whose footprints overlap or lie inside one another stay in one cell, "
            f"so each keeps at least {1 - OVERLAP_SHARE:.0%} of its footprint in its own "
            "cell")))
    return notes


def label_plots(
    plots: np.ndarray, h: np.ndarray, graph: PlotGraph, bounds: Bounds = DEFAULT_BOUNDS,
    seed: int = 0, misses: StackMisses | None = None,
) -> np.ndarray:
    """The cell of each plot (labels 0..k-1): the solve on given units, without tessellation.

    Spanning-tree bisection (``grid.partition.bisection``), cells below the minimum merged into a
    neighbour, cells still out of bounds re-cut with their neighbours
    (``grid.partition.recombine``), then single plots moved across cell boundaries
    (``grid.partition.moves``); a plot over the maximum is its own cell (later a stack of
    vertical cells), which may absorb a small neighbour, and with ``misses`` is topped up from
    its neighbours where its vertical cells cannot all fit (``grid.partition.topup``).
    ``partition`` calls it per community;
    it is public so the solve can be run, and timed, on units built elsewhere.
    """
    h = np.asarray(h, dtype=float)
    over = h > bounds.high
    moments = _moments(plots)
    labels = bisect(h, moments, graph, ~over, bounds, seed)
    labels[over] = labels.max() + 1 + np.arange(over.sum())
    none = np.empty(0, dtype=np.int64)
    labels = merge_small(labels, h, graph, bounds, none)
    labels = recombine(labels, h, moments, graph, np.unique(labels[over]), bounds, seed)
    labels = move_plots(labels, h, graph, np.unique(labels[over]), bounds)
    # Cells still too small may join an oversized building's cell: its households are divided
    # into vertical cells below it (``grid.partition.vertical``), which can take them in.
    labels = merge_small(labels, h, graph, bounds, np.unique(labels[over]))
    if misses is None or not over.any():
        return labels
    return top_up_stacks(labels, h, graph, over, bounds, misses)


def _unit_cells(
    geom: BaseGeometry, footprints: np.ndarray, h: np.ndarray, roads: np.ndarray | None,
    bounds: Bounds, seed: int, anchors: np.ndarray | None = None,
    misses: StackMisses | None = None, plain: np.ndarray | None = None,
) -> CommunityCells:
    """Cells of one community from buildings none of which lies inside another (``plain``:
    their disjoint footprints, when known)."""
    n, total = len(footprints), int(h.sum())
    if n == 0 or total < bounds.low:
        why = (f"community has {total} households (< min {bounds.low}), "
               "so the whole community is one cell")
        return CommunityCells(np.array([geom], dtype=object), np.array([total]), np.array([n]),
                              np.zeros(n, dtype=np.int64), [(0, "small_community", why)])
    anchors = representative_xy(footprints) if anchors is None else anchors
    plots, blocks = plots_and_blocks(geom, footprints, roads, anchors, plain)
    graph = plot_graph(plots, anchors, roads, seed, blocks)
    labels = label_plots(plots, h, graph, bounds, seed, misses)
    k = int(labels.max()) + 1
    cells = CommunityCells(
        union_by(plots, labels, k, coverage=True, connected=True),
        np.bincount(labels, weights=h, minlength=k).astype(np.int64),
        np.bincount(labels, minlength=k).astype(np.int64), labels, [],
    )
    cells.geoms = as_coverage(cells.geoms, geom)
    return cells


def _granularity(cells: CommunityCells, bounds: Bounds) -> None:
    """Adds a 'granularity' note for every out-of-bounds cell not explained otherwise, and a
    'multipart' note for every cell that is not one polygon."""
    explained = {c for c, _, _ in cells.notes}
    for c in np.flatnonzero((cells.households < bounds.low) | (cells.households > bounds.high)):
        if int(c) in explained:
            continue
        hh = int(cells.households[c])
        if hh < bounds.low:
            why = (f"cell has {hh} households (< min {bounds.low}): merged with any neighbour "
                   f"it would exceed max {bounds.high}, and no re-cut with a neighbour gives "
                   "two contiguous cells within bounds")
        else:
            why = (f"cell has {hh} households (> max {bounds.high}): no cut of its buildings' "
                   f"adjacency graph gives contiguous parts within [{bounds.low}, {bounds.high}]")
        cells.notes.append((int(c), "granularity", why))
    for c in np.flatnonzero(shapely.get_num_geometries(cells.geoms) > 1):
        n = int(shapely.get_num_geometries(cells.geoms[c]))
        cells.notes.append((int(c), "multipart", (
            f"cell is in {n} separate pieces because its community is not one connected polygon "
            "(or a piece of it has no building and touches the rest only at a point)")))


def checked_bounds(
    communities: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | gpd.GeoSeries | None,
    min_households: int,
    max_households: int,
) -> Bounds:
    """The household bounds, once the inputs and the bounds passed their checks (nothing is
    computed before)."""
    bounds = Bounds(int(min_households), int(max_households))
    check_community_polygons(communities)
    check_buildings(buildings)
    check_roads(roads)
    if bounds.low < 1 or bounds.high < bounds.low:
        raise InputError(f"household bounds [{bounds.low}, {bounds.high}] are not a range",
                         source="partition", field="min_households")
    return bounds


def _steps(n: int, progress: bool) -> Iterable[int]:
    """``range(n)`` over the communities, with a progress bar when asked."""
    if not progress:
        return range(n)
    from tqdm import tqdm

    return tqdm(range(n), desc="partition", unit="community")


def _cell_frame(cells: CommunityCells, codes: np.ndarray, community_code: str) -> pd.DataFrame:
    """One community's cells as rows of the output (metric geometry, compactness measured)."""
    area, perim = shapely.area(cells.geoms), shapely.length(cells.geoms)
    return pd.DataFrame({
        "code": codes, "community_code": community_code,
        "seq": [int(c[-3:]) for c in codes], "households": cells.households,
        "n_buildings": cells.n_buildings,
        "polsby_popper": 4 * np.pi * area / np.maximum(perim, 1e-12) ** 2,
        "leader": None, "geometry": cells.geoms,
    })


@dataclass
class CommunityOutcome:
    """One community's share of the output: cell rows, exception rows, each member's cell code
    (and vertical cell code, for a small building that joins a stack), vertical cell rows."""

    cells: pd.DataFrame
    exceptions: list[tuple]
    cell_code: np.ndarray
    vertical_code: np.ndarray
    vertical: pd.DataFrame


def partition_community(geom: BaseGeometry, code: str, members: np.ndarray, layers: Layers,
                        roads: np.ndarray | None, bounds: Bounds, seed: int) -> CommunityOutcome:
    """Cells and vertical cells of one community (its buildings at ``members``), coded.
    ``partition`` and the distributed runner (``grid.scale``) both call it, so a community gets
    the same cells wherever it runs."""
    cells = community_cells(geom, layers.footprints[members], layers.h[members], roads, bounds,
                            seed, layers.anchors[members], layers.units[members],
                            layers.levels[members])
    stacks = community_stacks(cells.building_cell, layers.h[members], layers.units[members],
                              layers.levels[members], layers.names[members], bounds)
    cells.notes += stacks.notes
    _granularity(cells, bounds)
    codes = sequence_codes(cells.geoms, code)
    vertical = stack_frame(stacks, codes, code)
    joined = np.full(len(members), None, dtype=object)
    for b, piece in stacks.joins.items():
        joined[b] = vertical["code"].iloc[piece]
    rows = [(code, codes[c], kind, why) for c, kind, why in cells.notes]
    rows += stack_exceptions(vertical, bounds)
    return CommunityOutcome(_cell_frame(cells, codes, code), rows, codes[cells.building_cell],
                            joined, vertical)


def partition(
    communities: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    *,
    min_households: int = 100,
    max_households: int = 200,
    seed: int = 0,
    progress: bool = False,
    straddling: str = "majority",
) -> PartitionResult:
    """Partition each community into contiguous, compact cells of ``min``–``max`` households.

    Inputs are WGS84; cells never cross community lines; a building over the maximum is a stack
    of vertical cells below its cell (``.vertical``); every out-of-bounds cell is listed in
    ``.exceptions`` with its reason. Deterministic for the same input and ``seed``. A building
    crossing a community line is counted in the community holding most of it and reported
    (``straddling="majority"``), or refused (``"fail"``). Communities may carry their own
    ``min_households`` and ``max_households`` columns (blank: the arguments').
    """
    bounds = checked_bounds(communities, buildings, roads, min_households, max_households)
    per_community = community_bounds(communities, bounds)
    crs = metric_crs(communities)
    comm = projected(communities, crs)
    cgeoms = np.asarray(comm.geometry.values, dtype=object)
    bld = projected(buildings, crs)
    codes_all = comm["code"].astype(str).to_numpy()
    found = owners(cgeoms, codes_all, np.asarray(bld.geometry.values, dtype=object),
                   bld.index.to_numpy(), straddling)
    owner = found.owner
    layers = building_layers(bld, roads, crs, found.anchors)
    road_tree = shapely.STRtree(layers.roads) if layers.roads is not None else None
    order = np.argsort(owner, kind="stable")
    starts = np.searchsorted(owner[order], np.arange(len(comm) + 1))
    outcomes = []
    cell_code_of = np.full(len(buildings), None, dtype=object)
    vertical_of = np.full(len(buildings), None, dtype=object)
    for ci in _steps(len(comm), progress):
        members = order[starts[ci]:starts[ci + 1]]
        rs = None
        if road_tree is not None and layers.roads is not None:
            rs = layers.roads[road_tree.query(cgeoms[ci], predicate="intersects")]
        got = partition_community(cgeoms[ci], codes_all[ci], members, layers, rs, per_community[ci],
                         seed)
        cell_code_of[members], vertical_of[members] = got.cell_code, got.vertical_code
        outcomes.append(got)
    exc_rows = [r for o in outcomes for r in o.exceptions] + found.rows
    exc_rows += outside_rows(layers.names[owner < 0])
    cells_gdf = cells_in_wgs84([o.cells for o in outcomes], crs)
    out_b = buildings.copy()
    out_b["community_code"] = np.where(owner >= 0, codes_all[np.maximum(owner, 0)], None)
    out_b["cell_code"] = cell_code_of
    out_b["vertical_code"] = vertical_of
    exceptions = pd.DataFrame(exc_rows, columns=EXCEPTION_COLUMNS)
    table = community_table(communities, codes_all, per_community)
    vertical = pd.concat([o.vertical for o in outcomes if len(o.vertical)]
                         or [pd.DataFrame(columns=VERTICAL_COLUMNS)], ignore_index=True)
    return PartitionResult(cells_gdf, out_b, exceptions, (bounds.low, bounds.high), table,
                           vertical.sort_values("code", ignore_index=True))
