"""Hypothesis strategies: random communities (convex and not) with buildings and households.

Geometry is drawn in metres in UTM zone 50N (Tianjin) and returned in WGS84, as users pass it.
Random arrays come from a numpy generator seeded by a drawn integer, so Hypothesis shrinks the
seed and the sizes rather than every coordinate.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from hypothesis import strategies as st

from grid.input.crs import utm_crs

METRIC = utm_crs(117.2, 39.12)
ORIGIN = np.array([500000.0, 4330000.0])


@dataclass(frozen=True)
class Case:
    """A generated input: communities, buildings and (maybe) roads, all WGS84."""

    communities: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    roads: gpd.GeoDataFrame | None


def convex_polygon(rng: np.random.Generator, size: float) -> shapely.Polygon:
    """The convex hull of random points in a ``size``-metre square."""
    pts = rng.uniform(0, size, (12, 2)) + ORIGIN
    return shapely.convex_hull(shapely.multipoints(pts))


def star_polygon(rng: np.random.Generator, size: float) -> shapely.Polygon:
    """A non-convex star-shaped polygon: random radii around the centre, sorted by angle."""
    n = int(rng.integers(6, 14))
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = rng.uniform(0.3, 0.5, n) * size
    centre = ORIGIN + size / 2
    ring = centre + np.column_stack([np.cos(angles), np.sin(angles)]) * radii[:, None]
    return shapely.make_valid(shapely.Polygon(ring)).buffer(0)


def l_polygon(rng: np.random.Generator, size: float) -> shapely.Polygon:
    """An L-shaped polygon with a random notch cut from one corner."""
    cut = rng.uniform(0.3, 0.7, 2) * size
    outer = shapely.box(*ORIGIN, *(ORIGIN + size))
    return outer.difference(shapely.box(*(ORIGIN + cut), *(ORIGIN + size + 1)))


SHAPES = (convex_polygon, star_polygon, l_polygon)


def buildings_in(
    rng: np.random.Generator, area: shapely.Polygon, spacing: float, points: bool, mean_h: float,
    jitter: float = 0.4, overlaps: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Footprints (or points) on a grid jittered by up to ``jitter`` × spacing (0: exact rows,
    which give degenerate Voronoi diagrams) whose anchor lies in ``area``, with households; with
    ``overlaps``, about one in five footprints has a second one drawn over part of it."""
    minx, miny, maxx, maxy = area.bounds
    gx, gy = np.meshgrid(np.arange(minx, maxx, spacing), np.arange(miny, maxy, spacing))
    x = gx.ravel() + rng.uniform(0, spacing * jitter, gx.size)
    y = gy.ravel() + rng.uniform(0, spacing * jitter, gy.size)
    inside = shapely.contains_xy(area, x, y)
    x, y = x[inside], y[inside]
    if points:
        geoms = shapely.points(x, y)
    else:
        w = rng.uniform(0.2, 0.5, len(x)) * spacing
        d = rng.uniform(0.15, 0.35, len(x)) * spacing
        geoms = shapely.box(x, y, x + w, y + d)
        if overlaps:  # building parts and shifted duplicate outlines, as OSM draws them
            take = rng.random(len(x)) < 0.2
            f = rng.uniform(-0.6, 0.6, (int(take.sum()), 2))
            extra = shapely.box(x[take] + f[:, 0] * w[take], y[take] + f[:, 1] * d[take],
                                x[take] + (1 + f[:, 0]) * w[take],
                                y[take] + (1 + f[:, 1]) * d[take])
            keep = shapely.contains_xy(area, *shapely.get_coordinates(
                shapely.centroid(extra)).T)
            geoms = np.concatenate([geoms, extra[keep]])
    h = np.maximum(0, np.round(rng.gamma(2.0, mean_h / 2.0, len(geoms)))).astype(np.int64)
    return geoms, h


@st.composite
def cases(draw: st.DrawFn, max_communities: int = 2) -> Case:
    """One to ``max_communities`` side-by-side communities of random shape with buildings."""
    seed = draw(st.integers(0, 2**32 - 1))
    n = draw(st.integers(1, max_communities))
    shape = draw(st.sampled_from(SHAPES))
    size = draw(st.floats(300.0, 900.0))
    spacing = draw(st.floats(35.0, 70.0))
    points = draw(st.booleans())
    mean_h = draw(st.floats(5.0, 60.0))
    with_roads = draw(st.booleans())
    jitter = draw(st.sampled_from([0.4, 0.0]))
    overlaps = draw(st.booleans())
    rng = np.random.default_rng(seed)
    base = shape(rng, size)
    minx, miny, maxx, maxy = base.bounds
    cuts = np.linspace(minx, maxx, n + 1)
    comms = []
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        piece = base.intersection(shapely.box(a, miny - 1, b, maxy + 1))
        parts = shapely.get_parts(piece)
        comms.append(max(parts, key=lambda p: p.area))
    geoms, hh = [], []
    for c in comms:
        g, h = buildings_in(rng, c, spacing, points, mean_h, jitter, overlaps)
        geoms.append(g)
        hh.append(h)
    communities = gpd.GeoDataFrame(
        {"code": [f"120101001{i + 1:03d}" for i in range(n)], "name": [f"C{i}" for i in range(n)]},
        geometry=comms, crs=METRIC,
    ).to_crs(4326)
    buildings = gpd.GeoDataFrame(
        {"households": np.concatenate(hh)}, geometry=np.concatenate(geoms), crs=METRIC
    ).to_crs(4326)
    roads = None
    if with_roads:
        x = rng.uniform(minx, maxx)
        y = rng.uniform(miny, maxy)
        lines = [shapely.LineString([(x, miny - 10), (x + rng.uniform(-100, 100), maxy + 10)]),
                 shapely.LineString([(minx - 10, y), (maxx + 10, y + rng.uniform(-100, 100))])]
        roads = gpd.GeoDataFrame(geometry=lines, crs=METRIC).to_crs(4326)
    return Case(communities, buildings, roads)
