"""The households and the register's counts per cell, community, leader or street, as the
columns ``/stats/counts`` and ``/stats/kpis`` add to their rows.

``households`` is the cell's household count (the register's where it is loaded, else the
footprint estimate or the given count); ``households_source`` says which: ``register`` when
every building of the cell is counted from the register, ``mixed`` when some are, ``estimate``
when none are (the fallback); ``households_estimated`` is true unless the source is
``register``. Beside them, the register's own counts on a day (``api.register.counts``):
registered households, residents by type, floating population, vacant and rented rooms.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.models import Building, Cell, Household
from api.periods import ZONE
from api.register import rules
from api.register.counts import register_counts
from grid.register.catalog import PERSON_TYPES

TYPES = [t.code for t in PERSON_TYPES]
COUNTED = ["registered_households", *TYPES, "residents", "rooms", "vacant_rooms", "rented_rooms"]
COLUMNS = ["households", "households_source", "households_estimated", *COUNTED]


def register_day(end: datetime | None) -> date:
    """The day the register is counted on for a period ending ``end`` (exclusive): its last
    day, or today for an open or future end."""
    today = rules.today()
    if end is None:
        return today
    return min((end - timedelta(microseconds=1)).astimezone(ZONE).date(), today)


def _sources(session: Session) -> pd.DataFrame:
    """Per cell code: buildings, and buildings counted from the register."""
    registered = select(Household.building_id).distinct().subquery()
    q = (
        select(Building.cell_code, func.count(Building.id), func.count(registered.c.building_id))
        .outerjoin(registered, registered.c.building_id == Building.id)
        .where(Building.cell_code.isnot(None))
        .group_by(Building.cell_code)
    )
    return pd.DataFrame(session.execute(q).all(), columns=["cell_code", "n", "n_registered"])


def _cells(session: Session, scope: Scope) -> pd.DataFrame:
    """Every cell code in scope with its community and its latest household count."""
    q = select(Cell.code, Cell.community_code, Cell.households).order_by(Cell.valid_from)
    frame = pd.DataFrame(
        session.execute(q).all(), columns=["cell_code", "community_code", "households"]
    ).drop_duplicates("cell_code", keep="last")
    if scope.cells is not None:
        frame = frame[frame.cell_code.isin(scope.cells)]
    if scope.communities is not None:
        frame = frame[frame.community_code.isin(scope.communities)]
    return frame


def _source(n: pd.Series, registered: pd.Series) -> pd.Series:
    """``register`` / ``mixed`` / ``estimate`` from building and registered-building counts."""
    out = pd.Series("mixed", index=n.index, dtype=object)
    out[registered <= 0] = "estimate"
    out[(registered > 0) & (registered >= n)] = "register"
    return out


def _combined(sources: set[str]) -> str:
    """The source of a group of cells: theirs when they all agree, else ``mixed``."""
    return sources.pop() if len(sources) == 1 else "mixed"


def cell_frame(session: Session, scope: Scope, on: date) -> pd.DataFrame:
    """Per cell in scope: community, households, their source, building counts and the
    register's counts on ``on``."""
    cells = _cells(session, scope).merge(_sources(session), on="cell_code", how="left")
    counted = pd.DataFrame(
        register_counts(session, scope, "cell", on),
        columns=["code", "households", *COUNTED[1:]],
    ).rename(columns={"code": "cell_code", "households": "registered_households"})
    out = cells.merge(counted, on="cell_code", how="left")
    ints = ["households", "n", "n_registered", *COUNTED]
    out[ints] = out[ints].fillna(0).astype(int)
    return out


def register_columns(
    session: Session,
    scope: Scope,
    key: str,
    on: date,
    leaders: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """The ``COLUMNS`` per ``key`` (``cell_code``, ``community_code``, ``street_code`` or
    ``leader``: sums over the cells; the source is the cells' when they agree, else mixed)."""
    cells = cell_frame(session, scope, on)
    cells["street_code"] = cells["community_code"].str[:9]
    cells["leader"] = cells["cell_code"].map(dict(leaders or {}))
    cells["households_source"] = _source(cells["n"], cells["n_registered"])
    cells = cells.dropna(subset=[key])
    out = cells.groupby(key, as_index=False)[["households", *COUNTED]].sum()
    sources = cells.groupby(key)["households_source"].agg(lambda v: _combined(set(v)))
    out["households_source"] = out[key].map(sources)
    out["households_estimated"] = out["households_source"] != "register"
    return out[[key, *COLUMNS]]


def with_register(frame: pd.DataFrame, extra: pd.DataFrame, key: str) -> pd.DataFrame:
    """``frame`` with the register's ``COLUMNS`` per ``key`` (zeros and ``estimate`` where a
    group has no cell now)."""
    out = frame.merge(extra, on=key, how="left")
    out[["households", *COUNTED]] = out[["households", *COUNTED]].fillna(0).astype(int)
    out["households_source"] = out["households_source"].fillna("estimate")
    out["households_estimated"] = out["households_source"] != "register"
    return out
