"""The collections the OGC API serves, in one list (``views_for``), and the extent shown for
them: the caller's communities."""

from __future__ import annotations

from functools import lru_cache

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.models import Community
from api.ogc.errors import Missing
from api.ogc.heatview import HeatView
from api.ogc.registerviews import register_views
from api.ogc.views import View, table_views


@lru_cache(maxsize=4)
def views_for(finest: int) -> list[View]:
    """Every collection: the table views, the register's public parts and the heat bins
    (``finest``: the H3 resolution)."""
    return [*table_views(), *register_views(), HeatView(finest)]


@lru_cache(maxsize=4)
def _by_id(finest: int) -> dict[str, View]:
    """The collections by id."""
    return {v.id: v for v in views_for(finest)}


def find(finest: int, ident: str) -> View:
    """The collection ``ident``; 404 naming it when there is none."""
    view = _by_id(finest).get(ident)
    if view is None:
        known = ", ".join(_by_id(finest))
        raise Missing(f"no collection {ident!r}; the collections are {known}", "collectionId")
    return view


def extent(session: Session, scope: Scope) -> list[float] | None:
    """The CRS84 bbox of the communities the caller may see (None when there are none)."""
    q = select(func.ST_AsText(func.ST_Envelope(func.ST_Collect(Community.geom))))
    if scope.communities is not None:
        q = q.where(Community.code.in_(sorted(scope.communities)))
    wkt = session.scalar(q)
    if not wkt:
        return None
    return [float(v) for v in shapely.from_wkt(wkt).bounds]
