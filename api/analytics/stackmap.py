"""Heat per vertical cell (楼栋网格, issue 16): the stacked buildings of the analytics map, each
with its vertical cells' record counts and its per-unit/floor counts under the heat filters, and
the drill-down to one vertical cell's records.

A vertical cell lies inside one footprint, so an H3 bin cannot show it; the map draws the
building's outline with a badge instead. Counts read the records (``vertical_code``, ``unit``,
``floor``), filtered as the heat layer is: days, kinds, categories, local hours and weekdays.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import shapely
from geoalchemy2.shape import to_shape
from shapely.geometry import mapping
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.analytics.drilldown import _matching
from api.analytics.filters import HeatFilter
from api.analytics.verticals import KEY, STACK_COLS, stacks_in_period
from api.areas.leaders import leaders_at
from api.errors import NotFound
from api.models import Building, Record, VerticalCell, utcnow
from api.records.view import records_json
from grid.analysis.heat import LOCAL_TZ

RANGES = ("unit_from", "unit_to", "floor_from", "floor_to")


def filtered_records(session: Session, scope: Scope, f: HeatFilter) -> pd.DataFrame:
    """The records in a vertical cell that ``scope`` sees and the filter keeps: code, unit,
    floor (None when not given)."""
    start, end = f.days.bounds()
    q = select(Record.vertical_code, Record.unit, Record.floor, Record.occurred_at).where(
        Record.vertical_code.is_not(None), Record.occurred_at >= start, Record.occurred_at < end)
    if f.kinds is not None:
        q = q.where(Record.kind.in_(list(f.kinds)))
    if f.categories is not None:
        q = q.where(Record.category.in_(list(f.categories)))
    recs = pd.DataFrame(session.execute(scope.visible(q, Record)).all(),
                        columns=[KEY, "unit", "floor", "occurred_at"])
    local = pd.to_datetime(recs["occurred_at"], utc=True).dt.tz_convert(LOCAL_TZ)
    keep = pd.Series(True, index=recs.index)
    if f.hours is not None:
        keep &= local.dt.hour.isin(f.hours)
    if f.weekdays is not None:
        keep &= local.dt.weekday.isin(f.weekdays)
    return recs[keep].drop(columns="occurred_at")


def _footprints(session: Session, stacks: pd.DataFrame) -> dict[tuple[str, str], Any]:
    """The footprint of each stacked building, keyed by (cell code, building): the building of
    its cell with that source id or name, else the cell's building with most households."""
    cells = sorted(set(stacks["cell_code"]))
    if not cells:
        return {}
    q = select(Building.cell_code, Building.source_id, Building.name, Building.households,
               Building.geom).where(Building.cell_code.in_(cells))
    found = pd.DataFrame(session.execute(q).all(),
                         columns=["cell_code", "source_id", "name", "households", "geom"])
    found = found.sort_values("households", ascending=False, kind="stable")
    out = {}
    for cell, name in stacks[["cell_code", "building"]].drop_duplicates().itertuples(index=False):
        mine = found[found.cell_code == cell]
        named = mine[(mine.source_id == name) | (mine.name == name)]
        pick = named if len(named) else mine
        out[(cell, name)] = to_shape(pick.geom.iloc[0]) if len(pick) else None
    return out


def _plain(value: Any) -> Any:
    """A pandas scalar as JSON: NaN/NA → None, numpy → Python."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


def stacked_buildings(session: Session, scope: Scope, f: HeatFilter) -> dict[str, Any]:
    """Every stacked building the user sees in the filter's days: its outline and centre, its
    vertical cells (households, ranges, leader, records under the filter) and its records per
    unit and floor."""
    start, end = f.days.bounds()
    stacks = stacks_in_period(session, scope, start, end)
    recs = filtered_records(session, scope, f)
    per_cell = recs.groupby(KEY).size()
    leaders = leaders_at(session, min(end, utcnow()), list(stacks[KEY]))
    shapes = _footprints(session, stacks)
    floors = (recs.groupby([KEY, "unit", "floor"], dropna=False).size()
              .rename("count").reset_index())
    out = []
    for (cell, name), rows in stacks.groupby(["cell_code", "building"], sort=True):
        shape = shapes.get((cell, name))
        centre = shapely.point_on_surface(shape) if shape is not None else None
        verticals = [{
            "code": v[KEY], **{c: _plain(v[c]) for c in (*STACK_COLS[3:5], *RANGES)},
            "leader": leaders[v[KEY]].username if v[KEY] in leaders else None,
            "records": int(per_cell.get(v[KEY], 0)),
        } for _, v in rows.iterrows()]
        mine = floors[floors[KEY].isin(rows[KEY])]
        out.append({
            "cell_code": cell, "building": name,
            "households": int(rows["households"].sum()),
            "records": sum(v["records"] for v in verticals),
            "lon": centre.x if centre is not None else None,
            "lat": centre.y if centre is not None else None,
            "outline": mapping(shape) if shape is not None else None,
            "verticals": verticals,
            "floors": [{"vertical_code": r[KEY], "unit": _plain(r["unit"]),
                        "floor": _plain(r["floor"]), "count": int(r["count"])}
                       for _, r in mine.iterrows()],
        })
    return {"from": f.days.start, "to": f.days.end, "buildings": out}


def vertical_records(session: Session, scope: Scope, f: HeatFilter, code: str, limit: int
                     ) -> list[dict[str, Any]]:
    """The records of vertical cell ``code`` under the filter, masked by role; 404 for a code
    that is no vertical cell the user sees."""
    v = session.scalar(select(VerticalCell).where(VerticalCell.code == code).limit(1))
    if v is None or not scope.sees_cell(v.cell_code, v.community_code):
        raise NotFound(f"no vertical cell {code} among yours", ("path", "code"))
    recs = _matching(session, scope, f, select(Record).where(Record.vertical_code == code), limit)
    return records_json(session, scope, recs)
