"""Service coverage and siting over the store: buildings as households, centres, roads.

Households are the buildings' households at their centroids; distances are metric (the UTM zone
of the area, ``grid.input.crs.utm_crs``). Coverage, allocation, capacity and per-community shares
come from ``grid.analysis.coverage``; where to add centres from ``grid.analysis.siting``. Walking
distances use the road table noded into a graph (``road_graph``) when roads are loaded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from geoalchemy2.shape import to_shape
from pyproj import Transformer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.errors import InvalidInput
from api.models import Building, Community
from api.models.analytics import Centre, Road
from grid.analysis import coverage as gcov
from grid.input.crs import WGS84, utm_crs

MAX_UNCOVERED_SHOWN = 3000


@dataclass
class Households:
    """Buildings with households: ids, community, WGS84 and metric centroids, weights."""

    ids: np.ndarray
    community: np.ndarray
    lonlat: np.ndarray
    xy: np.ndarray
    weight: np.ndarray
    to_metric: Transformer
    to_wgs84: Transformer


def households(session: Session, scope: Scope, community: str | None) -> Households:
    """The visible buildings (of ``community`` when given) with more than zero households."""
    q = (
        select(
            Building.id,
            Building.community_code,
            Building.households,
            func.ST_X(func.ST_Centroid(Building.geom)),
            func.ST_Y(func.ST_Centroid(Building.geom)),
        )
        .where(Building.households > 0)
        .order_by(Building.id)
    )
    if community:
        q = q.where(Building.community_code == community)
    q = scope.visible(q, Building)
    df = pd.DataFrame(session.execute(q).all(), columns=["id", "community", "hh", "lon", "lat"])
    if df.empty:
        raise InvalidInput(
            "no buildings with households in your area"
            + (f" for community {community}" if community else ""),
            ("query", "community"),
        )
    crs = utm_crs(float(df.lon.mean()), float(df.lat.mean()))
    fwd = Transformer.from_crs(WGS84, crs, always_xy=True)
    back = Transformer.from_crs(crs, WGS84, always_xy=True)
    x, y = fwd.transform(df.lon.to_numpy(), df.lat.to_numpy())
    return Households(
        df.id.to_numpy(),
        df.community.fillna("").to_numpy(),
        df[["lon", "lat"]].to_numpy(),
        np.column_stack([x, y]),
        df.hh.to_numpy(float),
        fwd,
        back,
    )


def centres(session: Session) -> pd.DataFrame:
    """Every service centre (they serve whoever lives near, whatever the boundaries)."""
    rows = session.execute(
        select(
            Centre.id,
            Centre.kind,
            Centre.name,
            Centre.community_code,
            Centre.lon,
            Centre.lat,
            Centre.radius_m,
            Centre.capacity,
        ).order_by(Centre.id)
    ).all()
    return pd.DataFrame(
        rows, columns=["id", "kind", "name", "community_code", "lon", "lat", "radius_m", "capacity"]
    )


def road_graph(session: Session, to_metric: Transformer) -> gcov.RoadGraph | None:
    """The loaded roads as a metric walking graph (None when no roads are loaded)."""
    lines = np.array([to_shape(g) for (g,) in session.execute(select(Road.geom))], dtype=object)
    if not len(lines):
        return None
    metric = shapely.transform(
        lines, lambda c: np.column_stack(to_metric.transform(c[:, 0], c[:, 1]))
    )
    return gcov.RoadGraph.from_lines(metric)


def _point(fc: dict[str, Any], lon: float, lat: float, props: dict[str, Any]) -> None:
    """Append a point feature to a FeatureCollection dict."""
    fc["features"].append(
        {
            "type": "Feature",
            "properties": props,
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
        }
    )


def _reach(
    session: Session, hh: Households, cs: pd.DataFrame, mode: str, minutes: float | None
) -> tuple[gcov.Coverage, np.ndarray | float, gcov.RoadGraph | None]:
    """Which centre covers which household: the coverage, the radius per centre (metres, the
    walking distance in ``minutes`` if given) and the road graph used (walking mode only)."""
    cx, cy = hh.to_metric.transform(cs.lon.to_numpy(), cs.lat.to_numpy())
    cxy = np.column_stack([cx, cy])
    radius = gcov.walking_metres(minutes) if minutes else cs.radius_m.to_numpy(float)
    roads = road_graph(session, hh.to_metric) if mode == "walking" else None
    if mode == "walking" and roads is None:
        raise InvalidInput("walking coverage needs roads; none are loaded", ("query", "mode"))
    cov = (
        gcov.coverage_network(hh.xy, cxy, radius, roads, weights=hh.weight)
        if roads is not None
        else gcov.coverage_straight(hh.xy, cxy, radius, weights=hh.weight)
    )
    return cov, radius, roads


def _centre_layer(
    cs: pd.DataFrame,
    radius: np.ndarray | float,
    cov: gcov.Coverage,
    areas: np.ndarray | None,
    to_wgs84: Transformer,
) -> dict[str, Any]:
    """The centres as GeoJSON points with radius, capacity, reach, load, load as a share of
    capacity and, walking, the isochrone reached on foot (WGS84 polygon, simplified to 5 m)."""
    cap = cs.capacity.to_numpy(float)
    over = cov.over_capacity(cap)
    share = np.divide(cov.allocated, cap, out=np.full(len(cs), np.inf), where=cap > 0)
    shapes = None
    if areas is not None:
        simple = shapely.simplify(areas, 5.0)
        back = shapely.transform(simple, lambda c: np.column_stack(to_wgs84.transform(*c.T)))
        shapes = [None if g.is_empty else shapely.geometry.mapping(g) for g in back]
    layer: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    for i, c in enumerate(cs.to_dict("records")):
        _point(
            layer,
            c["lon"],
            c["lat"],
            {
                "id": c["id"],
                "kind": c["kind"],
                "name": c["name"],
                "radius_m": float(np.broadcast_to(radius, len(cs))[i]),
                "capacity": int(c["capacity"]),
                "reach": float(cov.reach[i]),
                "allocated": float(cov.allocated[i]),
                "load_share": float(share[i]) if np.isfinite(share[i]) else None,
                "over_capacity": bool(over[i]),
                "isochrone": None if shapes is None else shapes[i],
            },
        )
    return layer


def _community_rows(session: Session, groups: pd.DataFrame) -> list[dict[str, Any]]:
    """Households covered and not per community, with the community's name."""
    names = dict(session.execute(select(Community.code, Community.name)).all())
    return [
        {
            "community_code": g["group"],
            "name": names.get(g["group"], ""),
            "households": float(g["households"]),
            "covered": float(g["covered"]),
            "uncovered": float(g["uncovered"]),
            "share": None if pd.isna(g["share"]) else float(g["share"]),
        }
        for g in groups.to_dict("records")
    ]


def coverage(
    session: Session, scope: Scope, community: str | None, mode: str, minutes: float | None
) -> dict[str, Any]:
    """Households covered and not per community, centres with reach, load and capacity, and the
    uncovered buildings; by straight line or by walking on the roads."""
    hh = households(session, scope, community)
    cs = centres(session)
    if cs.empty:
        raise InvalidInput("no service centres are loaded", ("query", "mode"))
    cov, radius, roads = _reach(session, hh, cs, mode, minutes)
    cxy = np.column_stack(hh.to_metric.transform(cs.lon.to_numpy(), cs.lat.to_numpy()))
    areas = None if roads is None else gcov.isochrones(cxy, radius, roads)
    layer = _centre_layer(cs, radius, cov, areas, hh.to_wgs84)
    cap = cs.capacity.to_numpy(float)
    groups = gcov.by_group(cov, hh.community, hh.weight)
    missing = np.flatnonzero(~cov.covered)
    uncovered = _buildings(session, hh.ids[missing[:MAX_UNCOVERED_SHOWN]], hh.weight, missing)
    return {
        "mode": mode,
        "minutes": minutes,
        "roads_loaded": roads is not None or _has_roads(session),
        "households": float(hh.weight.sum()),
        "covered": float(hh.weight[cov.covered].sum()),
        "beyond_capacity": float(np.clip(cov.allocated - cap, 0, None).sum()),
        "centres_over_capacity": int(cov.over_capacity(cap).sum()),
        "communities": _community_rows(session, groups),
        "centres": layer,
        "uncovered_buildings": uncovered,
        "uncovered_buildings_total": int(missing.size),
    }


def _has_roads(session: Session) -> bool:
    """Whether any road is loaded."""
    return (session.scalar(select(func.count()).select_from(Road)) or 0) > 0


def _buildings(
    session: Session, ids: np.ndarray, weight: np.ndarray, positions: np.ndarray
) -> dict[str, Any]:
    """The footprints of buildings ``ids`` as GeoJSON with their households."""
    hh = dict(zip(ids.tolist(), weight[positions[: len(ids)]].tolist(), strict=True))
    rows = (
        session.execute(
            select(Building.id, Building.cell_code, Building.name, Building.geom).where(
                Building.id.in_(ids.tolist())
            )
        ).all()
        if len(ids)
        else []
    )
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": bid,
                "properties": {"id": bid, "cell_code": cell, "name": name, "households": hh[bid]},
                "geometry": shapely.geometry.mapping(to_shape(g)),
            }
            for bid, cell, name, g in rows
        ],
    }
