"""The ``heat`` collection: H3 bins with their record counts over a period, from the heat
pre-aggregate through the analytics' own function (``api.analytics.heat.bins_at``, which keeps
officers and street staff to their cells). The period is the ``datetime`` interval in local days
(default: the last 30 days), the resolution the ``res`` parameter (default 9)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import h3
import numpy as np
import shapely
from sqlalchemy import Integer, String, column, select, values
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.analytics.filters import HeatFilter
from api.analytics.heat import bins_at
from api.errors import InvalidInput
from api.ogc import cql
from api.ogc.errors import InvalidParameter
from api.ogc.views import Interval, ItemsQuery, Page
from api.periods import DEFAULT_DAYS, ZONE, Days, ordered

DEFAULT_RES = 9


def _local_day(moment: datetime) -> date:
    """The local (Asia/Shanghai) day of ``moment``."""
    return moment.astimezone(ZONE).date()


def period_days(when: Interval | None) -> Days:
    """The local days of the ``datetime`` interval (an instant: its day); the last 30 days up to
    today by default, an open start 30 days before the end."""
    end = _local_day(when.end) + timedelta(days=1) if when and when.end else None
    start = _local_day(when.start) if when and when.start else None
    end = end or datetime.now(ZONE).date() + timedelta(days=1)
    start = start or end - timedelta(days=DEFAULT_DAYS)
    try:
        return ordered(start, end, ("datetime", "datetime"))
    except InvalidInput as e:
        raise InvalidParameter(e.msg, "datetime") from e


def _hexagons(keys: list[str]) -> np.ndarray:
    """The WGS84 polygons of H3 cells."""
    rings = [[(lng, lat) for lat, lng in h3.cell_to_boundary(k)] for k in keys]
    return np.array([shapely.Polygon(r) for r in rings], dtype=object)


def _is_cell(text: str) -> bool:
    """Whether ``text`` is an H3 cell index (h3 raises on some non-hex text, e.g. "-1")."""
    try:
        return bool(h3.is_valid_cell(text))
    except (ValueError, OverflowError, TypeError):
        return False


@dataclass(frozen=True)
class HeatView:
    """H3 heat bins of records (all kinds) over a period."""

    finest: int
    id: str = "heat"
    title: str = "热力 Heat bins"
    description: str = "H3 bins with record counts over `datetime` (default the last 30 days)"
    geometry_type: str = "Polygon"
    temporal: str | None = "period"

    def queryables(self) -> dict[str, str]:
        """A filter may name the bin and its count."""
        return {"h3": "string", "count": "integer"}

    def resolution(self, q: ItemsQuery) -> int:
        """The ``res`` parameter within the stored resolutions' range (default 9)."""
        text = q.extra.get("res")
        if text is None or text == "":
            return min(DEFAULT_RES, self.finest)
        if not text.isascii() or not text.isdigit() or not 0 <= int(text) <= self.finest:
            raise InvalidParameter(f"res must be an integer within 0..{self.finest}", "res")
        return int(text)

    def _bins(self, session: Session, scope: Scope, q: ItemsQuery) -> list[tuple[str, int]]:
        """(h3, count) of every bin of the period in the caller's scope, filtered, by bin."""
        f = HeatFilter(period_days(q.when), None, None, None, None)
        frame = bins_at(session, scope, f, self.resolution(q), self.finest)
        rows = [(str(h), int(n)) for h, n in zip(frame["h3"], frame["count"], strict=True)]
        if q.bbox is not None and rows:
            box = shapely.box(*q.bbox)
            hit = shapely.intersects(_hexagons([h for h, _ in rows]), box)
            rows = [r for r, keep in zip(rows, hit, strict=True) if keep]
        if q.where is not None and rows:
            rows = self._filtered(session, rows, q.where)
        return rows

    def _filtered(self, session: Session, rows: list[tuple[str, int]], where: Any) -> list:
        """The rows the CQL2 filter keeps, evaluated by the database over a VALUES list with the
        same translator as the tables (``api.ogc.cql``)."""
        h, n = column("h3", String), column("count", Integer)
        table = values(h, n, name="bins").data(rows)
        cond = cql.to_sql(
            where, {"h3": (table.c.h3, "string"), "count": (table.c.count, "integer")}
        )
        got = session.execute(select(table.c.h3, table.c.count).where(cond)).all()
        return sorted((str(a), int(b)) for a, b in got)

    def page(self, session: Session, scope: Scope, q: ItemsQuery) -> Page:
        """One page of bins in H3 order and the number of all bins matching."""
        rows = self._bins(session, scope, q)
        part = rows[q.offset : q.offset + q.limit]
        return self._page(part, len(rows), q)

    def one(self, session: Session, scope: Scope, fid: str) -> Page:
        """The bin ``fid`` over the default period, if it has records there."""
        if not _is_cell(fid):
            return self._page([], 0, ItemsQuery())
        q = ItemsQuery(extra={"res": str(h3.get_resolution(fid))})
        rows = [r for r in self._bins(session, scope, q) if r[0] == fid]
        return self._page(rows, len(rows), q)

    def _page(self, rows: list[tuple[str, int]], matched: int, q: ItemsQuery) -> Page:
        """Rows as a ``Page`` of hexagons."""
        res = self.resolution(q)
        props = [{"h3": h, "count": n, "res": res} for h, n in rows]
        return Page([h for h, _ in rows], props, _hexagons([h for h, _ in rows]), matched)
