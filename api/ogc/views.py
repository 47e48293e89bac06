"""The feature views every OGC API collection goes through: which rows a caller may see (the
JSON API's own scope, ``Scope.visible``), which properties leave (the export columns of
``api.io.exports``, never personal data) and how a page of them is read in one SQL query.

A ``TableView`` is a table with a point or polygon column; ``api.ogc.heatview`` adds the H3 heat
bins, which are computed. Both answer ``page`` and ``one`` with a ``Page``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import numpy as np
import shapely
from sqlalchemy import Boolean, Float, Integer, Select, String, Uuid, func, select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.io.exports import PLACE_COLS, RECORD_COLS
from api.models import Building, Cell, Community, Place, Record, utcnow
from api.models.analytics import Centre
from api.models.base import UTCDateTime
from api.ogc import cql
from grid.domain.catalog import PLACE_KINDS, RECORD_KINDS


@dataclass(frozen=True)
class Interval:
    """The ``datetime`` parameter: an instant (start == end) or an interval, either end open."""

    start: datetime | None
    end: datetime | None


@dataclass(frozen=True)
class ItemsQuery:
    """What a page asks for, parsed and checked (``api.ogc.params``)."""

    bbox: tuple[float, float, float, float] | None = None  # CRS84
    when: Interval | None = None
    where: Any = None  # a CQL2 AST (``api.ogc.cql.parse``)
    limit: int = 10
    offset: int = 0
    extra: Mapping[str, str] = field(default_factory=dict)  # a view's own parameters (heat)


@dataclass
class Page:
    """Rows of one page: ids, properties and WGS84 geometries, and how many match in all."""

    ids: list[Any]
    props: list[dict[str, Any]]
    geoms: np.ndarray
    matched: int


class View(Protocol):
    """A collection's face: metadata, queryables and how to read a page or one feature."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def geometry_type(self) -> str: ...

    @property
    def temporal(self) -> str | None: ...

    def queryables(self) -> dict[str, str]: ...

    def page(self, session: Session, scope: Scope, q: ItemsQuery) -> Page: ...

    def one(self, session: Session, scope: Scope, fid: str) -> Page: ...


def json_type(col: Any) -> str:
    """The JSON Schema type (or ``date-time``) of a column, for queryables and CQL2 values."""
    t = col.type
    if isinstance(t, UTCDateTime):
        return "date-time"
    if isinstance(t, Boolean):
        return "boolean"
    if isinstance(t, Integer):
        return "integer"
    if isinstance(t, Float):
        return "number"
    if isinstance(t, Uuid):
        return "uuid"
    return "string" if isinstance(t, String) else "string"


def _plain(v: Any) -> Any:
    """A JSON-safe property value: times as ISO text, UUIDs as text."""
    if isinstance(v, datetime):
        return v.astimezone(UTC).isoformat()
    if isinstance(v, uuid.UUID):
        return str(v)
    return v


Base = Callable[[Scope, ItemsQuery], Select[Any]]


@dataclass(frozen=True)
class TableView:
    """A collection read from one table: ``base`` applies the scope and fixed filters."""

    id: str
    title: str
    description: str
    geometry_type: str
    key: Any
    props: dict[str, Any]
    geom: Any
    base: Base
    temporal: str | None = None  # "occurred" (records) or "valid" (cells)
    time_col: Any = None

    def queryables(self) -> dict[str, str]:
        """Properties a filter may name, with their types (not UUID ids)."""
        types = {name: json_type(col) for name, col in self.props.items()}
        return {k: v for k, v in types.items() if v != "uuid"}

    def _select(self, scope: Scope, q: ItemsQuery) -> Select[Any]:
        """The scoped, filtered select of this view (its columns: key, props, geometry)."""
        cols = [self.key.label("_key"), *(c.label(n) for n, c in self.props.items())]
        sel = self.base(scope, q).with_only_columns(
            *cols, func.ST_AsBinary(self.geom).label("_geom")
        )
        if q.bbox is not None:
            box = func.ST_GeomFromText(shapely.box(*q.bbox).wkt, 4326)
            sel = sel.where(func.ST_Intersects(self.geom, box))
        if q.when is not None and self.temporal == "occurred":
            if q.when.start is not None and q.when.start == q.when.end:
                sel = sel.where(self.time_col == q.when.start)
            else:
                if q.when.start is not None:
                    sel = sel.where(self.time_col >= q.when.start)
                if q.when.end is not None:
                    sel = sel.where(self.time_col <= q.when.end)
        if q.where is not None:
            typed = {n: (self.props[n], t) for n, t in self.queryables().items()}
            sel = sel.where(cql.to_sql(q.where, typed))
        return sel

    def page(self, session: Session, scope: Scope, q: ItemsQuery) -> Page:
        """One page in key order and the number of all matching features: a count query only
        when the page does not tell it (on PostGIS a plain count and a sorted page measured
        twice as fast as one query counting by a window function, which sorts every row)."""
        sel = self._select(scope, q)
        rows = session.execute(sel.order_by(self.key).limit(q.limit).offset(q.offset)).all()
        if 0 < len(rows) < q.limit or (q.offset == 0 and not rows):
            matched = q.offset + len(rows)
        else:
            matched = int(session.scalar(select(func.count()).select_from(sel.subquery())) or 0)
        return self._page(rows, matched)

    def one(self, session: Session, scope: Scope, fid: str) -> Page:
        """The feature ``fid`` if the caller may see it (an empty page otherwise)."""
        key = _key_value(self.key, fid)
        if key is None:
            return self._page([], 0)
        sel = self._select(scope, ItemsQuery()).where(self.key == key)
        rows = session.execute(sel).all()
        return self._page(rows, len(rows))

    def _page(self, rows: Sequence[Any], matched: int) -> Page:
        """Rows (key, properties..., WKB) as a ``Page``: column by column, geometries decoded in
        one vectorised call, only time and UUID columns converted."""
        names, n = list(self.props), len(self.props)
        if not rows:
            return Page([], [], np.array([], dtype=object), matched)
        cols = list(zip(*rows, strict=True))
        for i, col in enumerate(self.props.values(), start=1):
            if json_type(col) in ("date-time", "uuid"):
                cols[i] = tuple(_plain(v) for v in cols[i])
        ids = [_plain(v) for v in cols[0]]
        geoms = shapely.from_wkb([bytes(v) for v in cols[n + 1]])
        props = [dict(zip(names, vals, strict=True)) for vals in zip(*cols[1 : n + 1], strict=True)]
        return Page(ids, props, geoms, matched)


def _key_value(key: Any, fid: str) -> Any:
    """``fid`` as a value of the key column, or None when it cannot be one."""
    t = json_type(key)
    try:
        if t == "integer":
            v = int(fid)
            return v if -(2**63) <= v < 2**63 else None
        return uuid.UUID(fid) if t == "uuid" else fid
    except ValueError:
        return None


# --- the scoped selects ---------------------------------------------------------------------


def _communities(scope: Scope, q: ItemsQuery) -> Select[Any]:
    """Communities in the caller's scope (street staff and officers: their communities)."""
    sel = select(Community)
    if scope.communities is not None:
        sel = sel.where(Community.code.in_(sorted(scope.communities)))
    return sel


def _cells(scope: Scope, q: ItemsQuery) -> Select[Any]:
    """Cells valid at the ``datetime`` instant (or during its interval; default now) that the
    caller may see: officers their own cells, street staff their communities' cells."""
    w = q.when
    if w is None:
        valid = Cell.valid_at(utcnow())
    elif w.start is not None and w.start == w.end:
        valid = Cell.valid_at(w.start)
    else:
        valid = Cell.valid_during(w.start, w.end)
    return scope.visible(select(Cell).where(valid), Cell, "code")


def _scoped(model: Any, **fixed: str) -> Base:
    """The rows of ``model`` the caller may see (``Scope.visible``), with fixed column values."""

    def base(scope: Scope, q: ItemsQuery) -> Select[Any]:
        sel = select(model).where(*(getattr(model, k) == v for k, v in fixed.items()))
        return scope.visible(sel, model)

    return base


def _in_service(model: Any) -> Base:
    """Every row of ``model`` not retired (service centres in service serve whoever lives near)."""
    return lambda scope, q: select(model).where(model.retired_at.is_(None))


def _cols(model: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The columns of ``model`` named, less the point's lon/lat (they are the geometry)."""
    return {n: getattr(model, n) for n in names if n not in ("lon", "lat")}


def _record_view(ident: str, title: str, description: str, **fixed: str) -> TableView:
    """A records collection: the export columns, ``datetime`` on ``occurred_at``."""
    return TableView(
        ident, title, description, "Point", Record.id, _cols(Record, RECORD_COLS),
        Record.geom, _scoped(Record, **fixed), "occurred", Record.occurred_at,
    )  # fmt: skip


def _place_view(ident: str, title: str, description: str, **fixed: str) -> TableView:
    """A places collection: the export columns (never attributes, which hold personal data)."""
    return TableView(
        ident, title, description, "Point", Place.id, _cols(Place, PLACE_COLS),
        Place.geom, _scoped(Place, **fixed),
    )  # fmt: skip


def table_views() -> list[TableView]:
    """Every table-backed collection, in the order the collections list shows them."""
    views = [
        TableView(
            "communities", "社区 Communities", "Communities (12-digit codes) in your scope",
            "MultiPolygon", Community.code,
            {"code": Community.code, "name": Community.name, "street_code": Community.street_code},
            Community.geom, _communities,
        ),
        TableView(
            "cells", "网格 Grid cells", "Cells valid now, or at/during `datetime`",
            "MultiPolygon", Cell.code,
            {n: getattr(Cell, n) for n in ("code", "community_code", "households",
                                            "n_buildings", "valid_from", "valid_to")},
            Cell.geom, _cells, "valid",
        ),
        TableView(
            "buildings", "楼栋 Buildings", "Building footprints with households",
            "MultiPolygon", Building.id,
            {n: getattr(Building, n) for n in ("id", "name", "cell_code", "community_code",
                                                "households", "households_estimated", "levels")},
            Building.geom, _scoped(Building),
        ),
        _place_view("places", "场所 Places", "Places of every kind"),
    ]  # fmt: skip
    for kind, term in PLACE_KINDS.items():
        views.append(_place_view(f"places-{kind.value}", f"{term.zh} {term.en}",
                                 f"Places of kind {kind.value}", kind=kind.value))  # fmt: skip
    views.append(_record_view("records", "记录 Records", "Records of every kind"))
    for rkind, term in RECORD_KINDS.items():
        views.append(_record_view(f"records-{rkind.value}", f"{term.zh} {term.en}",
                                  f"Records of kind {rkind.value}", kind=rkind.value))  # fmt: skip
    centre_cols = ("id", "kind", "name", "community_code", "radius_m", "capacity")
    views.append(
        TableView(
            "centres", "服务中心 Service centres",
            "Service centres in service with radius and capacity",
            "Point", Centre.id, {n: getattr(Centre, n) for n in centre_cols},
            Centre.geom, _in_service(Centre),
        )
    )  # fmt: skip
    return views
