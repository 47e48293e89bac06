"""Stored records re-assigned after cells are redrawn (``wangge reassign --database``).

Each record's cell, community and H3 index are recomputed for its ``occurred_at`` with the grid
functions the server locates writes with (``grid.analysis.history.CellHistory`` over
``CellIndex``, cells ordered by code then start as ``api.areas.cellcache`` orders them;
``grid.analysis.h3index.h3_index``). Records are taken in bounded batches by id; each batch is one
transaction through the ORM, so ``api.analytics.heatagg``'s mapper events move the heat counts
with the records: after any batch the heat tables equal a rebuild. The last id done is kept in a
state file, so an interrupted run resumes where it stopped (a rerun without it is also correct,
only slower: unchanged records are not written).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.db import session_scope
from api.models import Cell, Record
from api.store import Store
from grid.analysis.h3index import h3_index
from grid.analysis.history import CellHistory, utc_ns

DEFAULT_BATCH = 5_000


@dataclass
class Tally:
    """What a run did: records looked at, records moved, records left as they were because no
    cell held them at their time, batches committed, and whether it finished."""

    scanned: int = 0
    moved: int = 0
    outside: int = 0
    batches: int = 0
    finished: bool = False


def cell_history(session: Session) -> tuple[CellHistory, dict[str, str]]:
    """Every stored cell version as a ``CellHistory``, and each cell code's community."""
    rows = session.execute(
        select(Cell.code, Cell.community_code, Cell.valid_from, Cell.valid_to, Cell.geom)
        .where(Cell.geom.is_not(None))
    ).all()
    cells = gpd.GeoDataFrame(
        {"code": [r.code for r in rows], "valid_from": [r.valid_from for r in rows],
         "valid_to": [r.valid_to for r in rows]},
        geometry=[to_shape(r.geom) for r in rows], crs=4326)
    return CellHistory(cells), {r.code: r.community_code for r in rows}


def _resume_after(state: Path | None) -> uuid.UUID | None:
    """The last record id done by an interrupted run, from ``state`` (None: start afresh)."""
    if state is None or not state.exists():
        return None
    return uuid.UUID(state.read_text(encoding="utf-8").strip())


def _batch(session: Session, after: uuid.UUID | None, size: int) -> list[Record]:
    """The next ``size`` records by id after ``after``."""
    q = select(Record).order_by(Record.id).limit(size)
    if after is not None:
        q = q.where(Record.id > after)
    return list(session.scalars(q))


def _move(records: list[Record], history: CellHistory, community: dict[str, str],
          res: int, tally: Tally) -> None:
    """Set each record's cell, community and H3 for its time where they changed."""
    x = np.array([r.lon for r in records], dtype=np.float64)
    y = np.array([r.lat for r in records], dtype=np.float64)
    t = utc_ns(np.array([r.occurred_at for r in records], dtype=object), "occurred_at")
    codes = history.lookup(x, y, t)
    h3 = h3_index(x, y, res)
    tally.outside += int(sum(c is None for c in codes))
    for rec, code, cell in zip(records, codes, h3, strict=True):  # a bounded batch
        if code is None:
            continue
        new = (code, community[code], str(cell))
        if (rec.cell_code, rec.community_code, rec.h3) != new:
            rec.cell_code, rec.community_code, rec.h3 = new
            tally.moved += 1


def reassign_stored(store: Store, *, batch: int = DEFAULT_BATCH, state: Path | None = None,
                    stop_after: int | None = None,
                    report: Callable[[Tally], None] | None = None) -> Tally:
    """Re-assign every stored record in batches of ``batch``, resuming from ``state``;
    ``stop_after`` batches at most (then the state file says where to resume)."""
    tally = Tally()
    with session_scope(store.sessions) as s:
        history, community = cell_history(s)
    after = _resume_after(state)
    while stop_after is None or tally.batches < stop_after:
        with session_scope(store.sessions) as s:
            records = _batch(s, after, batch)
            if not records:
                tally.finished = True
                break
            _move(records, history, community, store.settings.h3_resolution, tally)
            after = records[-1].id
            tally.scanned += len(records)
        tally.batches += 1
        if state is not None:
            state.write_text(str(after), encoding="utf-8")
        if report is not None:
            report(tally)
    if tally.finished and state is not None:
        state.unlink(missing_ok=True)
    return tally
