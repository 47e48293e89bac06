"""Service coverage and siting over the store: buildings as households, centres, roads.

Households are the buildings' households at their centroids; distances are metric (the UTM zone
of the area, ``grid.input.crs.utm_crs``). Coverage, allocation, capacity and per-community shares
come from ``grid.analysis.coverage``; where to add centres from ``grid.analysis.siting``. Walking
distances use the road table noded into a graph (``road_graph``) when roads are loaded.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from threading import Lock
from typing import Any

import numpy as np
import pandas as pd
import shapely
from geoalchemy2.shape import to_shape
from pyproj import Transformer
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.errors import InvalidInput
from api.models import Building, Community, User, utcnow
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


def in_service(at: datetime) -> ColumnElement[bool]:
    """The centres in service at ``at``: brought in before it (or since before records) and not
    retired by then."""
    return and_(
        or_(Centre.in_service_from.is_(None), Centre.in_service_from <= at),
        or_(Centre.retired_at.is_(None), Centre.retired_at > at),
    )


def centres(session: Session, at: datetime | None = None) -> pd.DataFrame:
    """Every service centre in service at ``at`` (default now); they serve whoever lives near,
    whatever the boundaries."""
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
        )
        .where(in_service(at or utcnow()))
        .order_by(Centre.id)
    ).all()
    return pd.DataFrame(
        rows, columns=["id", "kind", "name", "community_code", "lon", "lat", "radius_m", "capacity"]
    )


def retired(session: Session, scope: Scope, at: datetime) -> dict[str, Any]:
    """The centres of the caller's communities retired by ``at``, as GeoJSON points with when and
    by whom (for the planner to show greyed and restore)."""
    q = (
        select(Centre, User.username)
        .outerjoin(User, User.id == Centre.retired_by)
        .where(Centre.retired_at.is_not(None), Centre.retired_at <= at)
        .order_by(Centre.retired_at.desc(), Centre.id)
    )
    if scope.communities is not None:
        q = q.where(Centre.community_code.in_(sorted(scope.communities)))
    layer: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    for c, who in session.execute(q).all():
        props = {"id": c.id, "kind": c.kind, "name": c.name, "capacity": c.capacity}
        props |= {
            "retired_at": c.retired_at.isoformat() if c.retired_at else None,
            "retired_by": who,
        }
        _point(layer, c.lon, c.lat, props)
    return layer


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
    if cs.empty:
        return _nobody(len(hh.ids)), radius, roads
    cov = (
        gcov.coverage_network(hh.xy, cxy, radius, roads, weights=hh.weight)
        if roads is not None
        else gcov.coverage_straight(hh.xy, cxy, radius, weights=hh.weight)
    )
    return cov, radius, roads


def _nobody(n: int) -> gcov.Coverage:
    """The coverage of ``n`` households when no centre is in service: none covered."""
    return gcov.Coverage(
        covered=np.zeros(n, dtype=bool),
        centre=np.full(n, -1, dtype=np.int64),
        distance=np.full(n, np.inf),
        reach=np.zeros(0),
        allocated=np.zeros(0),
    )


ISOCHRONES_KEPT = 2000  # walking areas kept per process (a few KB each)
_isochrones: OrderedDict[tuple[Any, ...], dict[str, Any] | None] = OrderedDict()
_isochrones_lock = Lock()


def _graph_digest(roads: gcov.RoadGraph) -> str:
    """A fingerprint of the road graph: any change to the roads changes it."""
    h = hashlib.blake2b(digest_size=16)
    for a in (roads.nodes_xy, roads.u, roads.v, roads.length):
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def walking_areas(
    cxy: np.ndarray, radius: np.ndarray | float, roads: gcov.RoadGraph, to_wgs84: Transformer
) -> list[dict[str, Any] | None]:
    """Per centre the area reached on foot (``grid.analysis.coverage.isochrones``) as a WGS84
    GeoJSON polygon simplified to 5 m (None where no road is in reach). An area depends only on
    the centre's point and radius and on the roads, so it is kept per (roads, point, radius) and
    only new or moved centres are computed; the answer is the same as computing them all."""
    r = np.broadcast_to(np.asarray(radius, float), len(cxy))
    graph = _graph_digest(roads)
    crs = to_wgs84.source_crs.to_string() if to_wgs84.source_crs else ""
    keys = [(graph, crs, float(x), float(y), float(d)) for (x, y), d in zip(cxy, r, strict=True)]
    with _isochrones_lock:
        got = {k: _isochrones[k] for k in keys if k in _isochrones}
    todo = [i for i, k in enumerate(keys) if k not in got]
    if todo:
        areas = gcov.isochrones(cxy[todo], r[todo], roads)
        simple = shapely.simplify(areas, 5.0)
        back = shapely.transform(simple, lambda c: np.column_stack(to_wgs84.transform(*c.T)))
        new = {
            keys[i]: None if g.is_empty else shapely.geometry.mapping(g)
            for i, g in zip(todo, back, strict=True)
        }
        got |= new
        with _isochrones_lock:
            _isochrones.update(new)
            while len(_isochrones) > ISOCHRONES_KEPT:
                _isochrones.popitem(last=False)
    return [got[k] for k in keys]


def _centre_layer(
    cs: pd.DataFrame,
    radius: np.ndarray | float,
    cov: gcov.Coverage,
    shapes: list[dict[str, Any] | None] | None,
) -> dict[str, Any]:
    """The centres as GeoJSON points with radius, capacity, reach, load, load as a share of
    capacity and, walking, the isochrone reached on foot (WGS84 polygon, simplified to 5 m)."""
    cap = cs.capacity.to_numpy(float)
    over = cov.over_capacity(cap)
    share = np.divide(cov.allocated, cap, out=np.full(len(cs), np.inf), where=cap > 0)
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
    session: Session,
    scope: Scope,
    community: str | None,
    mode: str,
    minutes: float | None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Households covered and not per community, centres in service at ``at`` (default now) with
    reach, load and capacity, the uncovered buildings and the centres retired by then; by
    straight line or by walking on the roads."""
    at = at or utcnow()
    hh = households(session, scope, community)
    cs = centres(session, at)  # none in service then (all retired): every household uncovered
    if cs.empty and not session.scalar(select(func.count()).select_from(Centre)):
        raise InvalidInput("no service centres are loaded", ("query", "mode"))
    cov, radius, roads = _reach(session, hh, cs, mode, minutes)
    cxy = np.column_stack(hh.to_metric.transform(cs.lon.to_numpy(), cs.lat.to_numpy()))
    shapes = None
    if roads is not None:
        shapes = walking_areas(cxy, radius, roads, hh.to_wgs84) if len(cs) else []
    layer = _centre_layer(cs, radius, cov, shapes)
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
        "at": at.isoformat(),
        "retired": retired(session, scope, at),
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
