"""The heat pre-aggregate, kept right as records are written (issue 5).

Mapper events on ``Record`` add +1 to a record's (fine H3, cell, kind, category, local day, hour)
row when it is inserted, move that 1 when its location, category or time changes, and take it away
when it is deleted — with one upsert (``INSERT ... ON CONFLICT DO UPDATE``, on SQLite and PostGIS
alike) on the flushing connection, so the count commits or rolls back with the record itself.
Bulk ``UPDATE``/``DELETE`` statements bypass mapper events: run ``wangge heat rebuild`` after them.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Connection, delete, event, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import get_history
from sqlalchemy.sql.dml import Insert

from api.models import Record
from api.models.analytics import HeatCount
from grid.heat import LOCAL_TZ

ZONE = ZoneInfo(LOCAL_TZ)
KEY_ATTRS = ("h3", "cell_code", "kind", "category", "occurred_at")
TABLE = HeatCount.__table__
PK = [c.name for c in TABLE.primary_key.columns]


def local_slot(at: datetime) -> tuple[date, int]:
    """The local (Asia/Shanghai) day and hour of an aware datetime."""
    local = at.astimezone(ZONE)
    return local.date(), local.hour


def count_row(
    h3: str, cell_code: str, kind: str, category: str, at: datetime, n: int
) -> dict[str, Any]:
    """One pre-aggregate row for ``n`` records at ``at``."""
    day, hour = local_slot(at)
    return {
        "day": day,
        "kind": kind,
        "category": category,
        "hour": hour,
        "h3": h3,
        "cell_code": cell_code,
        "weekday": day.weekday(),
        "count": n,
    }


@cache
def _upsert_statement(dialect_name: str) -> Insert:
    """The ``INSERT ... ON CONFLICT DO UPDATE`` adding counts, built once per dialect (so SQLAlchemy
    finds its compiled form in the cache instead of rebuilding the statement on every write)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(TABLE)
    return stmt.on_conflict_do_update(
        index_elements=PK, set_={"count": TABLE.c["count"] + stmt.excluded["count"]}
    )


def upsert(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Add each row's count to the stored one (creating missing rows); drops rows that reach 0."""
    if not rows:
        return
    conn.execute(_upsert_statement(conn.dialect.name), rows)
    if any(r["count"] < 0 for r in rows):
        conn.execute(delete(TABLE).where(TABLE.c["count"] <= 0))


def _current(rec: Record) -> tuple[Any, ...]:
    """The record's aggregate key as it is now."""
    return tuple(getattr(rec, a) for a in KEY_ATTRS)


def _previous(rec: Record) -> tuple[Any, ...]:
    """The record's aggregate key as it was before this flush's changes."""
    out = []
    for attr in KEY_ATTRS:
        hist = get_history(rec, attr)
        out.append(hist.deleted[0] if hist.deleted else getattr(rec, attr))
    return tuple(out)


def _on_insert(_mapper: Mapper, conn: Connection, rec: Record) -> None:
    """Count a new record."""
    upsert(conn, [count_row(*_current(rec), 1)])


def _on_update(_mapper: Mapper, conn: Connection, rec: Record) -> None:
    """Move the record's count when its location, category or time changed."""
    old, new = _previous(rec), _current(rec)
    if old != new:
        upsert(conn, [count_row(*old, -1), count_row(*new, 1)])


def _on_delete(_mapper: Mapper, conn: Connection, rec: Record) -> None:
    """Uncount a deleted record."""
    upsert(conn, [count_row(*_previous(rec), -1)])


def install() -> None:
    """Attach the listeners to the Record mapper (idempotent)."""
    for name, fn in (
        ("after_insert", _on_insert),
        ("after_update", _on_update),
        ("after_delete", _on_delete),
    ):
        if not event.contains(Record, name, fn):
            event.listen(Record, name, fn)


def aggregate(frame: pd.DataFrame) -> pd.DataFrame:
    """Pre-aggregate rows from records (columns h3, cell_code, kind, category, occurred_at)."""
    local = pd.to_datetime(frame["occurred_at"], utc=True).dt.tz_convert(LOCAL_TZ)
    keys = pd.DataFrame(
        {
            "day": local.dt.date,
            "kind": frame["kind"].to_numpy(),
            "category": frame["category"].to_numpy(),
            "hour": local.dt.hour.astype("int16"),
            "h3": frame["h3"].to_numpy(),
            "cell_code": frame["cell_code"].to_numpy(),
        }
    )
    out = keys.groupby(PK, sort=False).size().rename("count").reset_index()
    out["weekday"] = pd.to_datetime(out["day"]).dt.day_of_week.astype("int16")
    return out


def _batches(conn: Connection, size: int) -> Iterable[pd.DataFrame]:
    """The records' aggregate keys, ``size`` rows at a time."""
    cols = [Record.h3, Record.cell_code, Record.kind, Record.category, Record.occurred_at]
    result = conn.execute(select(*cols), execution_options={"yield_per": size})
    for chunk in result.partitions(size):
        yield pd.DataFrame(chunk, columns=[c.key for c in cols])


def rebuild(conn: Connection, batch: int = 200_000) -> int:
    """Recompute the whole pre-aggregate from the records inside the caller's transaction;
    returns the number of records counted."""
    parts, total = [], 0
    for frame in _batches(conn, batch):
        parts.append(aggregate(frame))
        total += len(frame)
    conn.execute(delete(TABLE))
    if parts:
        agg = (
            pd.concat(parts)
            .groupby(PK, sort=False)
            .agg(count=("count", "sum"), weekday=("weekday", "first"))
        )
        rows = agg.reset_index().to_dict("records")
        for lo in range(0, len(rows), batch):
            conn.execute(insert(TABLE), rows[lo : lo + batch])
    return total


def snapshot(conn: Connection) -> pd.DataFrame:
    """The stored pre-aggregate, sorted by key (to compare with a rebuild)."""
    rows = conn.execute(select(TABLE).where(TABLE.c["count"] > 0)).all()
    frame = pd.DataFrame(rows, columns=[c.name for c in TABLE.columns])
    return frame.sort_values(PK).reset_index(drop=True)


install()
