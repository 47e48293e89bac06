"""What the analytics maps draw under their data so they read without a basemap: the outlines
of the communities the user may see (with names) and the road centrelines, simplified."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.models import Community
from api.models.analytics import Road

TOLERANCE = 0.00001  # degrees (about a metre): invisible at street zoom, halves the payload


def _collection(geoms: list[Any], props: list[dict[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection of ``geoms`` simplified by TOLERANCE, with ``props``."""
    simple = shapely.simplify(np.array(geoms, dtype=object), TOLERANCE) if geoms else []
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": p, "geometry": shapely.geometry.mapping(g)}
            for g, p in zip(simple, props, strict=True)
        ],
    }


def context(session: Session, scope: Scope) -> dict[str, Any]:
    """Community outlines in the user's scope and every road, as GeoJSON."""
    q = select(Community.code, Community.name, Community.geom).order_by(Community.code)
    if scope.communities is not None:
        q = q.where(Community.code.in_(sorted(scope.communities)))
    comms = session.execute(q).all()
    roads = session.execute(select(Road.name, Road.highway, Road.geom).order_by(Road.id)).all()
    return {
        "communities": _collection(
            [to_shape(g) for _, _, g in comms], [{"code": c, "name": n} for c, n, _ in comms]
        ),
        "roads": _collection(
            [to_shape(g) for _, _, g in roads], [{"name": n, "highway": k} for n, k, _ in roads]
        ),
    }
