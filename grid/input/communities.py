"""Is a community layer sound? (``wangge import communities`` checks a file with it.)

``community_problems`` checks a community layer the way ``grid.input.tiling`` checks a cell layer
(``CommunityProblem`` records): bad or duplicate codes, codes whose prefix is not the street's,
empty, non-polygonal or invalid geometry, parts outside the street (when the street polygons are
known) and overlaps between communities, or with the other communities that stand beside the
layer. Gaps between communities are not problems: land outside every community is legitimate.
``check_community_layer`` raises one ``InputError`` listing them.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from grid.domain.codes import COMMUNITY_CODE, code_texts, parent_codes
from grid.input.crs import WGS84, metric_crs
from grid.input.tiling import (
    _code_problems,
    _column,
    _Found,
    _geometry_problems,
    _m2,
    _metric,
    _outside,
    _overlap_pairs,
    _positions,
    _raise,
)

#: The kinds of problem of a community layer, in the order they are reported for one community.
COMMUNITY_KINDS = (
    "missing_code",
    "bad_code",
    "prefix_mismatch",
    "duplicate_code",
    "empty",
    "not_polygon",
    "invalid",
    "outside_street",
    "overlap",
)


@dataclass(frozen=True)
class CommunityProblem:
    """One reason a community layer is not sound.

    ``row`` is the community's 1-based position in the input, ``street_code`` its street (the
    ``street_code`` given, else the code's first 9 digits); ``area`` is the m² at stake (overlap
    or outside its street), else None. ``pd.DataFrame(problems)`` gives them as a table.
    """

    row: int
    code: str | None
    street_code: str | None
    kind: str
    reason: str
    area: float | None = None

    def __str__(self) -> str:
        """``row 3 (community 120101001003): reason``."""
        return (
            f"row {self.row} ({f'community {self.code}' if self.code else 'no code'}): "
            f"{self.reason}"
        )


def community_problems(
    communities: gpd.GeoDataFrame,
    *,
    streets: gpd.GeoDataFrame | None = None,
    others: gpd.GeoDataFrame | None = None,
    code_col: str = "code",
    street_col: str = "street_code",
) -> list[CommunityProblem]:
    """Every reason ``communities`` (``code``, optional ``street_code``, polygons) are not a sound
    layer; [] when they are. Gaps between communities are not problems.

    ``streets`` (``code``, polygons; missing or empty ones are skipped) are the known street
    polygons: a community reaching outside its street is a problem. ``others`` (``code``,
    polygons) are the communities that will stand beside this layer (not replaced by it): an
    overlap with one is a problem, but they are not checked themselves. A community's street is
    its ``street_code`` when given, else its code's first 9 digits.
    """
    n = len(communities)
    codes = _column(communities, code_col)
    given = _column(communities, street_col)
    street = parent_codes(codes, given, 9)
    found = _Found(np.arange(1, n + 1), codes, street, CommunityProblem)
    _code_problems(found, COMMUNITY_CODE, 12, ~pd.isna(given), "street_code")
    work = _geometry_problems(np.asarray(communities.geometry.values, dtype=object), found)
    usable = ~shapely.is_empty(work) & ~shapely.is_missing(work)
    if usable.any():
        layer_crs = communities.crs if communities.crs is not None else WGS84
        crs = metric_crs(gpd.GeoSeries(work[usable], crs=layer_crs))
        metric = np.full(n, None, dtype=object)
        metric[usable] = _metric(work[usable], layer_crs, crs)
        if streets is not None and len(streets):
            street_geoms = np.asarray(streets.geometry.values, dtype=object)
            known = ~shapely.is_missing(street_geoms) & ~shapely.is_empty(street_geoms)
            street_idx = _positions(found.parents, code_texts(streets["code"])[known])
            street_metric = _metric(street_geoms[known], streets.crs, crs)
            _outside(
                found,
                metric,
                usable & (street_idx >= 0),
                street_idx,
                street_metric,
                "outside_street",
                "lies {m2} outside its street {parent}",
            )
        _community_overlaps(found, metric, usable, others, crs)
    rank = {k: i for i, k in enumerate(COMMUNITY_KINDS)}
    return sorted(found.problems, key=lambda p: (p.row, rank[p.kind]))


def check_community_layer(
    communities: gpd.GeoDataFrame,
    *,
    streets: gpd.GeoDataFrame | None = None,
    others: gpd.GeoDataFrame | None = None,
    source: str = "communities",
    code_col: str = "code",
    street_col: str = "street_code",
) -> None:
    """Raise one ``InputError`` naming ``source`` and listing the problems (the first
    ``MAX_LISTED`` and a count of the rest) unless ``communities`` are a sound layer."""
    problems = community_problems(
        communities, streets=streets, others=others, code_col=code_col, street_col=street_col
    )
    _raise(problems, "communities are not a sound layer", source)


def _community_overlaps(
    found: _Found[CommunityProblem],
    metric: np.ndarray,
    usable: np.ndarray,
    others: gpd.GeoDataFrame | None,
    crs: CRS,
) -> None:
    """Pairs of communities of the layer overlapping by more than ``SLIVER_AREA`` (reported on
    the earlier row), and communities of the layer overlapping one of ``others``."""
    n = len(metric)
    other_codes = np.empty(0, dtype=object)
    every, every_usable = metric, usable
    if others is not None and len(others):
        other_geoms = np.asarray(others.geometry.values, dtype=object)
        present = ~shapely.is_missing(other_geoms) & ~shapely.is_empty(other_geoms)
        other_codes = code_texts(others["code"])[present]
        every = np.concatenate([metric, _metric(other_geoms[present], others.crs, crs)])
        every_usable = np.concatenate([usable, np.ones(len(other_codes), dtype=bool)])
    i, j, area = _overlap_pairs(every, every_usable, checked=n)
    inside = j < n
    whom = np.empty(len(j), dtype=object)
    whom[inside] = [
        f"community {found.codes[b] or '(no code)'} (row {found.rows[b]})" for b in j[inside]
    ]
    whom[~inside] = [f"existing community {c}" for c in other_codes[j[~inside] - n]]
    found.add(i, "overlap", "overlaps {whom} by {m2}", area, whom=whom, m2=[_m2(a) for a in area])
