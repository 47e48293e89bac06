"""The register's public parts as OGC API collections (DESIGN §3b): standard addresses and
organisations, through the same ``TableView`` and ``Scope.visible`` as every other collection.

Only public columns leave: an address's text, building and cell; an organisation's name, type,
credit code, address, employees and place link. Never the contact person or phone (ciphertexts),
and nothing of households or persons. An address stands at its building's representative point;
an organisation at its own point, else at its building's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Select, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from api.accounts.access import Scope
from api.models import Building, Organisation, RegisterAddress
from api.ogc.views import ItemsQuery, TableView

ADDRESS_COLS = ("id", "address", "text", "building_id")
ORGANISATION_COLS = ("id", "name", "org_type", "credit_code", "address", "employees",
                     "place_id", "building_id", "cell_code", "community_code")  # fmt: skip


class wgs84_point(FunctionElement[Any]):  # noqa: N801 (an SQL function's name)
    """A WGS84 point from lon/lat columns (NULL when they are): SpatiaLite and PostGIS name the
    constructor differently."""

    inherit_cache = True
    type = Float()  # only ever wrapped by other spatial functions


@compiles(wgs84_point, "sqlite")
def _point_spatialite(element: wgs84_point, compiler: SQLCompiler, **kw: Any) -> str:
    """SpatiaLite's ``MakePoint(x, y, srid)``."""
    return f"MakePoint({compiler.process(element.clauses, **kw)}, 4326)"


@compiles(wgs84_point, "postgresql")
def _point_postgis(element: wgs84_point, compiler: SQLCompiler, **kw: Any) -> str:
    """PostGIS's ``ST_SetSRID(ST_MakePoint(x, y), srid)``."""
    return f"ST_SetSRID(ST_MakePoint({compiler.process(element.clauses, **kw)}), 4326)"


def _addresses(scope: Scope, q: ItemsQuery) -> Select[Any]:
    """Standard addresses whose building the caller may see (its cell and community)."""
    sel = select(RegisterAddress).join(Building, Building.id == RegisterAddress.building_id)
    return scope.visible(sel, Building)


def _organisations(scope: Scope, q: ItemsQuery) -> Select[Any]:
    """Organisations in the caller's cells/communities (the JSON API's list), with their
    building for the point of those located by it."""
    sel = select(Organisation).outerjoin(Building, Building.id == Organisation.building_id)
    return scope.visible(sel, Organisation)


def register_views() -> list[TableView]:
    """The register's collections: ``addresses`` and ``organisations``."""
    address_props = {n: getattr(RegisterAddress, n) for n in ADDRESS_COLS}
    address_props |= {"cell_code": Building.cell_code, "community_code": Building.community_code}
    org_point = func.coalesce(
        wgs84_point(Organisation.lon, Organisation.lat), func.ST_PointOnSurface(Building.geom)
    )
    return [
        TableView(
            "addresses", "标准地址 Standard addresses",
            "Standard addresses at their building's representative point",
            "Point", RegisterAddress.id, address_props,
            func.ST_PointOnSurface(Building.geom), _addresses,
        ),
        TableView(
            "organisations", "实有单位 Organisations",
            "Organisations (no contact person or phone) at their point or building",
            "Point", Organisation.id,
            {n: getattr(Organisation, n) for n in ORGANISATION_COLS},
            org_point, _organisations,
        ),
    ]  # fmt: skip
