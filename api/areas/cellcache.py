"""A per-process point-in-cell index over the cells, rebuilt only when the cells change.

Every write that changes cells bumps the ``cells`` generation in the same transaction; each process
compares that counter with the one its index was built from. Points are located with the cells
valid at the record's time (``grid.analysis.assign.CellIndex``), so back-dated records land in old
cells.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.errors import Loc, OutsideCells
from api.models import Cell, Generation
from api.models.areas import in_force
from grid.analysis.assign import CellIndex
from grid.analysis.h3index import h3_cell


@dataclass(frozen=True)
class CellRow:
    """One version of a cell as held in memory."""

    code: str
    community_code: str
    valid_from: datetime
    valid_to: datetime | None
    geom: shapely.Geometry

    def valid_at(self, at: datetime) -> bool:
        """Whether this version of the cell was in force at ``at``."""
        return in_force(self.valid_from, self.valid_to, at)


@dataclass(frozen=True)
class Location:
    """Where a point falls: its cell, community and H3 index."""

    cell_code: str
    community_code: str
    h3: str


def generation(session: Session, name: str) -> int:
    """The current value of the ``name`` change counter."""
    return session.scalar(select(Generation.value).where(Generation.name == name)) or 0


def bump_generation(session: Session, name: str) -> None:
    """Mark dataset ``name`` as changed, inside the caller's transaction."""
    done = session.execute(
        update(Generation).where(Generation.name == name).values(value=Generation.value + 1)
    )
    if done.rowcount == 0:  # type: ignore[attr-defined]
        session.add(Generation(name=name, value=1))


class CellCache:
    """Holds every cell version and point-in-cell indexes, keyed by the DB's cells generation."""

    def __init__(self, h3_resolution: int) -> None:
        self.h3_resolution = h3_resolution
        self._lock = threading.Lock()
        self._generation = -1
        self._rows: list[CellRow] = []
        self._stable_since: datetime | None = None
        self._indexes: dict[frozenset[int], CellIndex] = {}
        # the index over the cells in force now (valid from before every time after
        # ``_stable_since``), kept apart so recent records skip the scan that picks the cells
        self._current: tuple[CellIndex | None, list[CellRow]] | None = None

    def refresh(self, session: Session, gen: int | None = None) -> None:
        """Reload the cells if another writer changed them since the last load (``gen`` if
        known)."""
        gen = generation(session, "cells") if gen is None else gen
        if gen == self._generation:
            return
        with self._lock:
            if gen == self._generation:
                return
            rows = [
                CellRow(c.code, c.community_code, c.valid_from, c.valid_to, to_shape(c.geom))
                for c in session.scalars(select(Cell).order_by(Cell.code, Cell.valid_from))
            ]
            edges = [r.valid_from for r in rows] + [r.valid_to for r in rows if r.valid_to]
            self._rows = rows
            self._stable_since = max(edges) if edges else None
            self._indexes = {}
            self._current = None
            self._generation = gen

    @property
    def generation(self) -> int:
        """The cells generation the loaded index was built from (-1 before the first load)."""
        return self._generation

    def rows_valid_at(self, at: datetime) -> list[CellRow]:
        """The cell versions in force at ``at``."""
        return [r for r in self._rows if r.valid_at(at)]

    def _index_at(self, at: datetime) -> tuple[CellIndex | None, list[CellRow]]:
        """The index over the cells valid at ``at`` (shared by all times with the same cells)."""
        current = self._current
        if current is not None and self._stable_since is not None and at >= self._stable_since:
            return current  # the common case, a recent record: no scan over the cells
        gen, rows = self._generation, self._rows
        if self._stable_since is None or at < self._stable_since:
            rows = [r for r in rows if r.valid_at(at)]
        else:
            rows = [r for r in rows if r.valid_to is None]
        if not rows:
            return None, rows
        key = frozenset(id(r) for r in rows)
        index = self._indexes.get(key)
        if index is None:
            index = CellIndex([r.geom for r in rows], np.arange(len(rows)))
            with self._lock:
                if len(self._indexes) > 32:
                    self._indexes.clear()
                self._indexes[key] = index
        if self._stable_since is not None and at >= self._stable_since:
            with self._lock:
                if gen == self._generation:  # not a reload's worth of cells behind
                    self._current = (index, rows)
        return index, rows

    def locate(self, lon: float, lat: float, at: datetime, loc: Loc = ("body",)) -> Location:
        """The cell, community and H3 index of (lon, lat) at time ``at``; OutsideCells if none."""
        index, rows = self._index_at(at)
        hit = index.lookup([lon], [lat])[0] if index is not None else None
        if hit is None or (isinstance(hit, (int, np.integer)) and hit < 0):
            raise OutsideCells(
                f"point (lon {lon}, lat {lat}) lies outside every cell and community"
                + (" valid at that time" if rows else " (no cells are loaded)"),
                loc,
            )
        row = rows[int(hit)]
        return Location(row.code, row.community_code, self.h3(lon, lat))

    def h3(self, lon: float, lat: float) -> str:
        """The H3 index of (lon, lat) at the configured resolution."""
        return h3_cell(lon, lat, self.h3_resolution)
