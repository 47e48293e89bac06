"""Do cells tile their communities exactly? ("全域覆盖、不留空白、不留死角", DESIGN §2 and §6).

``tiling_problems`` checks a cell layer against its communities and returns every problem as a
``TilingProblem`` record: bad or duplicate codes, codes whose prefix is not the community's,
unknown communities, empty, non-polygonal or invalid geometry, parts outside the community,
overlaps between cells and gaps left in a community. ``check_tiling`` raises one ``InputError``
listing them.

The problem-finding steps below (codes, geometry, outside the parent, overlapping pairs, slivers)
are shared with ``grid.input.communities``, which checks a community layer the same way.

Areas are measured in the metric CRS of the area, and differences thinner or smaller than
coordinate noise (``SLIVER_WIDTH``, ``SLIVER_AREA``) are not problems.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from grid.domain.codes import CELL_CODE, code_texts
from grid.errors import InputError
from grid.geomops import SNAP_GRID, safe_intersection, union_by, valid_polygons
from grid.input.crs import WGS84, metric_crs

#: Area (m²) below which what a pair of cells overlaps, what a cell has outside its community,
#: or what a community leaves uncovered is float noise, not a problem: two files' copies of a
#: shared edge rarely agree to the last bit, and the slivers between them add up to far less.
SLIVER_AREA = 1.0
#: Mean width (m, 2 × area ÷ perimeter) below which a piece of overlap, outside or gap is a
#: sliver left by coordinates rounded on one side of a shared edge and not the other: such strips
#: add up to more than ``SLIVER_AREA`` along a long boundary (the Heping sample's cells written
#: with 7 decimals leave up to 5.7 m² per community, none wider than 6 mm; with 6 decimals up to
#: 56 m², none wider than 0.11 m), while a misdrawn edge leaves a strip a metre or more wide.
SLIVER_WIDTH = 0.2
#: How many problems ``check_tiling`` and ``check_community_layer`` spell out before giving only a
#: count of the rest.
MAX_LISTED = 20
#: Geometry type names by shapely type id.
GEOMETRY_TYPES = ("Point", "LineString", "LinearRing", "Polygon", "MultiPoint",
                  "MultiLineString", "MultiPolygon", "GeometryCollection")
#: The kinds of problem, in the order they are reported for one cell.
KINDS = (
    "missing_code",
    "bad_code",
    "prefix_mismatch",
    "duplicate_code",
    "unknown_community",
    "empty",
    "not_polygon",
    "invalid",
    "outside_community",
    "overlap",
    "gap",
)


@dataclass(frozen=True)
class TilingProblem:
    """One reason a cell layer does not tile its communities.

    ``row`` is the cell's 1-based position in the input (the file's feature number, as import
    messages count rows), None for a community's gap; ``area`` is the m² at stake (overlap,
    outside or gap), else None. ``pd.DataFrame(problems)`` gives them as a table.
    """

    row: int | None
    code: str | None
    community_code: str | None
    kind: str
    reason: str
    area: float | None = None

    def __str__(self) -> str:
        """``row 3 (cell 120101001001003): reason``, or the reason alone for a gap."""
        if self.row is None:
            return self.reason
        return f"row {self.row} ({f'cell {self.code}' if self.code else 'no code'}): {self.reason}"


#: The problem record a check makes (``TilingProblem`` here, ``CommunityProblem`` in
#: ``grid.input.communities``).
P = TypeVar("P")


def tiling_problems(
    cells: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    code_col: str = "code",
    community_col: str = "community_code",
) -> list[TilingProblem]:
    """Every reason ``cells`` (``code``, ``community_code``, polygons) fail to tile exactly the
    communities they name, checked against ``communities`` (``code``, polygons); [] when they do.

    Only the communities the cells name are checked for gaps: a layer may replace the cells of
    some communities and leave the others alone. Invalid polygons are reported and measured as
    repaired by ``shapely.make_valid``, so a gap or overlap beside them is still found.
    """
    n = len(cells)
    found = _Found(np.arange(1, n + 1), _column(cells, code_col), _column(cells, community_col),
                   TilingProblem)
    comm_codes = code_texts(communities["code"])
    comm_idx = _positions(found.parents, comm_codes)
    has_comm = ~pd.isna(pd.Series(found.parents, dtype=object)).to_numpy()
    _code_problems(found, CELL_CODE, 15, has_comm, "community_code")
    found.add(~has_comm, "unknown_community", "missing community_code")
    found.add(has_comm & (comm_idx < 0), "unknown_community",
              "community_code {parent} is not a known community")
    work = _geometry_problems(np.asarray(cells.geometry.values, dtype=object), found)
    usable = ~shapely.is_empty(work) & ~shapely.is_missing(work)
    if usable.any() or (comm_idx >= 0).any():
        cells_crs = cells.crs if cells.crs is not None else WGS84
        comms = gpd.GeoSeries(communities.geometry.values, crs=communities.crs or WGS84)
        crs = metric_crs(comms if len(comms) else gpd.GeoSeries(work[usable], crs=cells_crs))
        metric = np.full(n, None, dtype=object)
        metric[usable] = _metric(work[usable], cells_crs, crs)
        comm_metric = _metric(np.asarray(comms.values, dtype=object), comms.crs, crs)
        _outside(found, metric, usable & (comm_idx >= 0), comm_idx, comm_metric,
                 "outside_community", "lies {m2} outside its community {parent}")
        if usable.any():
            _overlaps(found, metric, usable)
        _gaps(found, metric, usable, comm_idx, comm_metric, comm_codes, crs)
    rank = {k: i for i, k in enumerate(KINDS)}
    return sorted(
        found.problems,
        key=lambda p: (p.row is None, p.row or 0, rank[p.kind], p.community_code or ""),
    )


def check_tiling(
    cells: gpd.GeoDataFrame,
    communities: gpd.GeoDataFrame,
    *,
    source: str = "cells",
    code_col: str = "code",
    community_col: str = "community_code",
) -> None:
    """Raise one ``InputError`` naming ``source`` and listing the problems (the first
    ``MAX_LISTED`` and a count of the rest) unless ``cells`` tile their communities exactly."""
    problems = tiling_problems(cells, communities, code_col=code_col, community_col=community_col)
    _raise(problems, "cells do not tile their communities", source)


def _raise(problems: Sequence[object], headline: str, source: str) -> None:
    """One ``InputError`` for ``source``: the headline with a count, then one line per problem
    (the first ``MAX_LISTED``, then a count of the rest); nothing when there is no problem."""
    if not problems:
        return
    lines = [f"  {p}" for p in problems[:MAX_LISTED]]
    if len(problems) > MAX_LISTED:
        lines.append(f"  ... and {len(problems) - MAX_LISTED} more")
    count = f"{len(problems)} problem{'s' if len(problems) > 1 else ''}"
    raise InputError(f"{headline} ({count}):\n" + "\n".join(lines), source=source)


class _Found(Generic[P]):
    """The features' rows, codes and parent codes (a cell's community, a community's street),
    and the problems found so far, made as ``problem`` records."""

    def __init__(
        self, rows: np.ndarray, codes: np.ndarray, parents: np.ndarray,
        problem: Callable[[int, Any, Any, str, str, float | None], P],
    ) -> None:
        self.rows, self.codes, self.parents = rows, codes, parents
        self.problem = problem
        self.problems: list[P] = []

    def add(
        self,
        mask: np.ndarray,
        kind: str,
        template: str,
        area: np.ndarray | None = None,
        **values: Sequence[object] | np.ndarray,
    ) -> None:
        """A problem of ``kind`` for each feature in ``mask``, its reason ``template`` filled
        with ``code``, ``parent`` and ``values``: a boolean mask takes ``values`` per feature, an
        array of positions (a feature may repeat) takes ``values`` and ``area`` per problem."""
        mask = np.asarray(mask)
        per_cell = mask.dtype == bool  # values per cell for a mask, per problem for positions
        where = np.flatnonzero(mask) if per_cell else mask
        for n, k in enumerate(where):  # one step per problem found, not per cell
            fill = {name: v[k if per_cell else n] for name, v in values.items()}
            self.problems.append(self.problem(
                int(self.rows[k]), self.codes[k], self.parents[k], kind,
                template.format(code=self.codes[k], parent=self.parents[k], **fill),
                None if area is None else float(area[n]),
            ))


def _column(gdf: gpd.GeoDataFrame, col: str) -> np.ndarray:
    """Column ``col`` of ``gdf`` as codes (see ``grid.domain.codes.code_texts``), all None when
    there is no such column."""
    if col in gdf.columns:
        return code_texts(gdf[col])
    return np.full(len(gdf), None, dtype=object)


def _positions(codes: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Position of each of ``codes`` in ``known`` (first occurrence), -1 where absent or
    None."""
    index = pd.Series(np.arange(len(known)), index=known)
    index = index[~index.index.duplicated(keep="first")]
    return (
        pd.Series(codes, dtype=object).map(index).fillna(-1).to_numpy(dtype=np.int64)
    )


def _code_problems(
    found: _Found[Any], pattern: re.Pattern[str], digits: int, parent_given: np.ndarray,
    parent_field: str,
) -> None:
    """Missing, malformed and duplicate codes, and well-formed codes whose prefix is not the
    parent code given in ``parent_field`` (where ``parent_given``)."""
    has = ~pd.isna(pd.Series(found.codes, dtype=object)).to_numpy()
    text = pd.Series(found.codes, dtype=object).fillna("")
    well_formed = text.str.match(pattern.pattern).to_numpy(dtype=bool)
    found.add(~has, "missing_code", "missing code")
    found.add(has & ~well_formed, "bad_code", f"code {{code}} is not {digits} digits")
    prefix = text.str[:digits - 3].to_numpy(dtype=object)  # parent code + 3-digit sequence
    mismatch = well_formed & parent_given & (prefix != found.parents)
    found.add(mismatch, "prefix_mismatch",
              f"code prefix {{prefix}} does not match {parent_field} {{parent}}", prefix=prefix)
    first = pd.Series(found.rows).groupby(text.to_numpy()).transform("first").to_numpy()
    dup = has & text.duplicated(keep="first").to_numpy()
    found.add(dup, "duplicate_code", "duplicate code {code} (also row {first})", first=first)


def _geometry_problems(geoms: np.ndarray, found: _Found[Any]) -> np.ndarray:
    """Report empty, non-polygonal and invalid geometries; return the geometries to measure:
    polygons as given, invalid ones repaired (polygonal parts kept), the rest empty."""
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    types = shapely.get_type_id(geoms)
    is_poly = np.isin(types, (3, 6)) & ~missing
    found.add(missing, "empty", "empty geometry")
    names = np.array(GEOMETRY_TYPES, dtype=object)[np.clip(types, 0, len(GEOMETRY_TYPES) - 1)]
    found.add(~missing & ~is_poly, "not_polygon", "geometry is a {type}, not a polygon",
              type=names)
    invalid = is_poly & ~shapely.is_valid(geoms)
    why = np.full(len(geoms), "", dtype=object)
    why[invalid] = shapely.is_valid_reason(geoms[invalid])
    found.add(invalid, "invalid", "geometry invalid: {why}", why=why)
    work = np.full(len(geoms), shapely.Polygon(), dtype=object)
    work[is_poly] = valid_polygons(geoms[is_poly])
    return work


def _metric(geoms: np.ndarray, crs: CRS | None, metric: CRS) -> np.ndarray:
    """``geoms`` (in ``crs``, WGS84 when None) projected to ``metric`` and made valid polygons
    (see ``grid.geomops.valid_polygons``)."""
    projected = gpd.GeoSeries(geoms, crs=crs if crs is not None else WGS84).to_crs(metric)
    return valid_polygons(np.asarray(projected.values, dtype=object))


def _outside(
    found: _Found[Any], metric: np.ndarray, check: np.ndarray, parent_idx: np.ndarray,
    parent_metric: np.ndarray, kind: str, template: str,
) -> None:
    """Features with more than ``SLIVER_AREA`` of their area outside their parent polygon
    (a cell's community, a community's street), reported as ``kind`` with ``template``."""
    k = np.flatnonzero(check)
    outside = _significant_area(
        _safe(shapely.difference, metric[k], parent_metric[parent_idx[k]])
    )
    bad = outside > SLIVER_AREA
    found.add(k[bad], kind, template, outside[bad], m2=[_m2(a) for a in outside[bad]])


def _overlap_pairs(
    metric: np.ndarray, usable: np.ndarray, checked: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs ``i < j`` of usable geometries overlapping by more than ``SLIVER_AREA`` (slivers
    aside), ordered by ``i`` then ``j``, with the area; with ``checked``, only pairs whose ``i``
    is among the first ``checked`` positions (the rest are context, not checked themselves)."""
    k = np.flatnonzero(usable)
    q = k if checked is None else k[k < checked]
    qi, tj = shapely.STRtree(metric[k]).query(metric[q], predicate="intersects")
    i, j = q[qi], k[tj]
    keep = i < j
    order = np.lexsort((j[keep], i[keep]))
    i, j = i[keep][order], j[keep][order]
    inner = shapely.relate_pattern(metric[i], metric[j], "T********")  # cheaper than overlaying
    i, j = i[inner], j[inner]  # neighbours that only share an edge
    area = _significant_area(safe_intersection(metric[i], metric[j]))
    bad = area > SLIVER_AREA
    return i[bad], j[bad], area[bad]


def _overlaps(found: _Found[TilingProblem], metric: np.ndarray, usable: np.ndarray) -> None:
    """Pairs of cells overlapping by more than ``SLIVER_AREA``, reported on the earlier row."""
    i, j, area = _overlap_pairs(metric, usable)
    other = np.array([found.codes[b] or "(no code)" for b in j], dtype=object)
    found.add(i, "overlap", "overlaps cell {other} (row {other_row}) by {m2}", area,
              other=other, other_row=found.rows[j], m2=[_m2(a) for a in area])


def _gaps(
    found: _Found[TilingProblem], metric: np.ndarray, usable: np.ndarray, comm_idx: np.ndarray,
    comm_metric: np.ndarray, comm_codes: np.ndarray, crs: CRS,
) -> None:
    """Communities named by the cells that they leave uncovered by more than ``SLIVER_AREA``,
    located at a point inside the largest uncovered piece (lon, lat)."""
    named = np.unique(comm_idx[comm_idx >= 0])
    take = usable & (comm_idx >= 0)
    if not len(named):
        return
    union = union_by(metric[take], np.searchsorted(named, comm_idx[take]), len(named))
    gap = _safe(shapely.difference, comm_metric[named], union)
    parts, owner = shapely.get_parts(gap, return_index=True)
    parts, owner = _slivers_dropped(parts, owner)
    area = shapely.area(parts)
    total = np.bincount(owner, weights=area, minlength=len(named))
    pieces = np.bincount(owner, minlength=len(named))
    bad = np.flatnonzero(total > SLIVER_AREA)
    if not len(bad):
        return
    order = np.lexsort((-area, owner))
    largest = order[np.unique(owner[order], return_index=True)[1]]  # one per owner, by owner
    first = largest[np.searchsorted(np.unique(owner), bad)]
    spots = gpd.GeoSeries(shapely.point_on_surface(parts[first]), crs=crs).to_crs(WGS84)
    for g, spot in zip(bad, spots, strict=True):  # one step per community with a gap
        code = comm_codes[named[g]]
        many = f" in {pieces[g]} pieces, the largest" if pieces[g] > 1 else ""
        found.problems.append(TilingProblem(
            None, None, code, "gap",
            f"cells leave {_m2(total[g])} of community {code} uncovered{many} "
            f"near ({spot.x:.5f}, {spot.y:.5f})",
            float(total[g]),
        ))


def _slivers_dropped(parts: np.ndarray, owner: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The polygon parts (and their owners) that are not slivers thinner than ``SLIVER_WIDTH``."""
    poly = shapely.get_type_id(parts) == 3
    parts, owner = parts[poly], owner[poly]
    area = shapely.area(parts)
    width = 2.0 * area / np.maximum(shapely.length(parts), 1e-12)
    wide = width >= SLIVER_WIDTH
    return parts[wide], owner[wide]


def _significant_area(geoms: np.ndarray) -> np.ndarray:
    """Area of each geometry's polygonal parts, slivers thinner than ``SLIVER_WIDTH`` left out."""
    parts, owner = shapely.get_parts(geoms, return_index=True)
    parts, owner = _slivers_dropped(parts, owner)
    return np.bincount(owner, weights=shapely.area(parts), minlength=len(geoms))


def _safe(op: Callable[..., np.ndarray], a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``op(a, b)`` redone on a micrometre grid if GEOS meets a topology error (near-degenerate
    input), as ``grid.geomops.safe_intersection`` does for intersections."""
    try:
        return op(a, b)
    except shapely.errors.GEOSException:
        return op(a, b, grid_size=SNAP_GRID)


def _m2(area: float) -> str:
    """An area for a message: ``1 203.0 m²`` (space between thousands)."""
    return f"{area:,.1f}".replace(",", " ") + " m²"
