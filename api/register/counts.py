"""Counts from the register per cell, community or street: registered households, residents by
type, floating population, vacant and rented rooms, on a given day (moved-out rows still count
for the days they lived there). Where a register is loaded, its households replace the footprint
estimate in the buildings' and cells' household counts (``refresh_households``, called by every
register write)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.models import Building, Cell, Household, Person, Room
from api.register import rules
from grid.register.catalog import PERSON_TYPES

LEVELS = {"cell": "cell_code", "community": "community_code", "street": "community_code"}
STREET_DIGITS = 9  # a community code starts with its street's code (DESIGN §2)


def _living(model: Any, on: date) -> ColumnElement[bool]:
    """SQL: the row lived there on day ``on`` (moved in by then, not yet moved out)."""
    return and_(
        or_(model.moved_in.is_(None), model.moved_in <= on),
        or_(model.moved_out.is_(None), model.moved_out > on),
    )


def _grouped(
    session: Session, scope: Scope, model: Any, by: str, extra: Any, cond: Any
) -> pd.DataFrame:
    """Row counts of ``model`` per ``by`` column (and ``extra``) where ``cond`` holds."""
    col = getattr(model, LEVELS[by])
    cols = [col] + ([extra] if extra is not None else [])
    q = scope.visible(select(*cols, func.count()).where(cond).group_by(*cols), model)
    names = ["code"] + (["kind"] if extra is not None else []) + ["n"]
    frame = pd.DataFrame(session.execute(q).all(), columns=names)
    if by == "street":
        frame["code"] = frame["code"].str[:STREET_DIGITS]
    return frame


def register_counts(session: Session, scope: Scope, by: str, on: date) -> list[dict[str, Any]]:
    """One row per cell/community/street in the caller's scope with a register: households,
    residents (and per person type), floating, rooms, vacant and rented rooms."""
    homes = _grouped(session, scope, Household, by, None, _living(Household, on))
    people = _grouped(session, scope, Person, by, Person.person_type, _living(Person, on))
    rooms = _grouped(session, scope, Room, by, Room.use, Room.id.isnot(None))
    codes = sorted(
        set(homes["code"].dropna()) | set(people["code"].dropna()) | set(rooms["code"].dropna())
    )
    types = [t.code for t in PERSON_TYPES]
    hh = homes.groupby("code")["n"].sum()
    per_type = people.pivot_table(index="code", columns="kind", values="n", aggfunc="sum")
    per_use = rooms.pivot_table(index="code", columns="kind", values="n", aggfunc="sum")
    out = []
    for code in codes:
        row = {"code": code, "households": int(hh.get(code, 0))}
        for t in types:
            row[t] = _at(per_type, code, t)
        row["residents"] = sum(row[t] for t in types)
        row["rooms"] = int(per_use.loc[code].sum()) if code in per_use.index else 0
        row["vacant_rooms"] = _at(per_use, code, "vacant")
        row["rented_rooms"] = _at(per_use, code, "rented")
        out.append(row)
    return out


def _at(frame: pd.DataFrame, code: str, col: str) -> int:
    """``frame[col][code]`` as an int, 0 when absent."""
    if code not in frame.index or col not in frame.columns:
        return 0
    value = frame.at[code, col]
    return 0 if pd.isna(value) else int(value)


def refresh_households(session: Session, building_ids: Iterable[int] | None = None) -> int:
    """Give each building with register rows (``building_ids``, default every such building)
    the number of its households living there today (no longer estimated; 0 when all moved
    out), and each current cell of those buildings the sum of its buildings. The one function
    every register write (API, tablet outbox, import) calls before its commit, so the cells'
    household counts and the KPIs follow the register. The number of buildings counted."""
    if building_ids is None:
        ids = sorted(session.scalars(select(Household.building_id).distinct()))
    else:
        ids = sorted(set(building_ids))
    if not ids:
        return 0
    cells = _cells_of(session, ids)
    # lock the cells (PostGIS; in id order, no deadlock), so the counts below, read after the
    # lock, see every household write in those cells committed before
    locked = select(Cell.id).where(Cell.code.in_(cells), Cell.latest())
    session.execute(locked.order_by(Cell.id).with_for_update()).all()
    q = select(Household.building_id, func.count()).where(_living(Household, rules.today()))
    if building_ids is not None:  # a few; an import counts every building (no huge IN list)
        q = q.where(Household.building_id.in_(ids))
    living = dict(session.execute(q.group_by(Household.building_id)).all())
    rows = [
        {"id": b, "households": int(living.get(b, 0)), "households_estimated": False} for b in ids
    ]
    session.execute(update(Building), rows)
    sums = session.execute(
        select(Building.cell_code, func.sum(Building.households))
        .where(Building.cell_code.in_(cells))
        .group_by(Building.cell_code)
    ).all()
    for code, total in sums:
        session.execute(
            update(Cell).where(Cell.code == code, Cell.latest()).values(households=int(total))
        )
    return len(ids)


def _cells_of(session: Session, ids: list[int]) -> list[str]:
    """The cell codes of the buildings ``ids`` (read in chunks: an import passes thousands)."""
    cells: set[str] = set()
    for i in range(0, len(ids), 5000):
        q = select(Building.cell_code).where(Building.id.in_(ids[i : i + 5000])).distinct()
        cells.update(c for c in session.scalars(q) if c is not None)
    return sorted(cells)
