"""The heat pre-aggregate, kept right as records are written (issue 5).

A record counts +1 in the hour column of its local hour on one ``heat_counts`` row (day, kind,
category, finest H3 bin, cell) and on one daily and one monthly ``heat_bins`` row per serving
resolution (its parent bins, from ``grid.analysis.heat``). Mapper events on ``Record`` add those
counts when it is inserted, move them when its location, category or time changes and take them away
when it is deleted — with upserts (``INSERT ... ON CONFLICT DO UPDATE``, on SQLite and PostGIS
alike) on the flushing connection, so the counts commit or roll back with the record itself.
The rows a record adds come from one function, ``added``: the mapper events, ``api.records.create``
(Core, on SQLite) and ``api.records.batch`` (summing them per key for a round, on PostGIS) all use
it. ``install`` attaches the events; ``api.store.make_store`` calls it.
Bulk ``UPDATE``/``DELETE`` statements bypass mapper events: run ``wangge heat rebuild`` after them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import h3
import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, and_, bindparam, delete, event, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapper
from sqlalchemy.orm.attributes import get_history
from sqlalchemy.sql.dml import Insert

from api.models import Record
from api.models.analytics import HOURS, heat_bins, heat_counts
from grid.analysis.heat import LOCAL_TZ, SERVING_RESOLUTIONS, bin_resolutions, parent_cells, parents

ZONE = ZoneInfo(LOCAL_TZ)
KEY_ATTRS = ("id", "h3", "cell_code", "kind", "category", "occurred_at")
FINE_PK = [c.name for c in heat_counts.primary_key.columns]
BINS_PK = [c.name for c in heat_bins.primary_key.columns]
SHARDS = 4  # rows per heat_bins key at most; any value stays correct (queries sum over shards)


def local_slot(at: datetime) -> tuple[date, int]:
    """The local (Asia/Shanghai) day and hour of an aware datetime."""
    local = at.astimezone(ZONE)
    return local.date(), local.hour


def shard_of(record_id: object) -> int:
    """The heat_bins shard of a record (from the last hex digits of its UUID)."""
    return int(str(record_id)[-2:], 16) % SHARDS


def hour_counts(hour: int, n: int) -> dict[str, int]:
    """The 24 hour columns of ``n`` records at local ``hour``."""
    return {c: (n if i == hour else 0) for i, c in enumerate(HOURS)}


@dataclass(frozen=True)
class Slot:
    """Where one record counts: local day, hour and month, shard, and its parent bin per serving
    resolution (``(res, h3)`` pairs, coarsest first)."""

    day: date
    hour: int
    month: date
    shard: int
    parents: tuple[tuple[int, str], ...]


def slot(record_id: object, cell: str, at: datetime) -> Slot:
    """The ``Slot`` of a record with id ``record_id`` in finest H3 ``cell`` at ``at``."""
    day, hour = local_slot(at)
    resolutions = bin_resolutions(h3.get_resolution(cell))
    parents = tuple(zip(resolutions, parent_cells(cell, resolutions), strict=True))
    return Slot(day, hour, day.replace(day=1), shard_of(record_id), parents)


@dataclass(frozen=True)
class Added:
    """What ``n`` records of one key add to the heat tables: where they count (``slot``) and
    under which kind, category, finest bin and cell; ``rows`` spells out the table rows."""

    kind: str
    category: str
    h3: str
    cell_code: str
    slot: Slot
    n: int

    def rows(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The ``heat_counts`` row and the ``heat_bins`` rows (daily, then monthly, per serving
        resolution)."""
        at, n = self.slot, self.n
        day, weekday = at.day, at.day.weekday()
        counts = {"count": n, **hour_counts(at.hour, n)}
        common = {"kind": self.kind, "category": self.category}
        fine = {"day": day, **common, "h3": self.h3, "cell_code": self.cell_code}
        bins = []
        for res, parent in at.parents:
            key = {"res": res, **common, "h3": parent, "shard": at.shard}
            bins.append({**key, "monthly": False, "day": day, "weekday": weekday, **counts})
            bins.append({**key, "monthly": True, "day": at.month, "weekday": None, **counts})
        return {**fine, "weekday": weekday, **counts}, bins


def added(record: Mapping[str, Any], n: int = 1) -> Added:
    """What a record (its ``KEY_ATTRS`` values) adds to ``heat_counts`` and ``heat_bins`` (``n`` =
    -1 takes it away): the one source of heat counts for every write path — the mapper events
    below and ``api.records.create`` (Core) upsert its ``rows``; ``api.records.batch`` sends its
    key and slot and sums them per key in SQL."""
    slot_ = slot(record["id"], record["h3"], record["occurred_at"])
    return Added(record["kind"], record["category"], record["h3"], record["cell_code"], slot_, n)


@cache
def _upsert_statement(dialect_name: str, table: Table) -> Insert:
    """The ``INSERT ... ON CONFLICT DO UPDATE`` adding counts, built once per dialect and table (so
    SQLAlchemy finds its compiled form in the cache instead of rebuilding it on every write)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    stmt = dialect.insert(table)
    pk = [c.name for c in table.primary_key.columns]
    return stmt.on_conflict_do_update(
        index_elements=pk,
        set_={c: table.c[c] + stmt.excluded[c] for c in ("count", *HOURS)},
    )


@cache
def _prune_statement(table: Table) -> Any:
    """Delete one key's row once its count reaches 0."""
    key = and_(*(c == bindparam(f"k_{c.name}") for c in table.primary_key.columns))
    return delete(table).where(key, table.c["count"] <= 0)


def upsert(conn: Connection, changes: Sequence[Added]) -> None:
    """Add each change's rows to the stored counts (creating missing rows); rows whose count
    reaches 0 are deleted.

    Rows are locked as ``api.records.batch`` locks them: ``heat_counts`` before ``heat_bins``, each
    in key order, so this and a group-commit round never wait on each other in a circle.
    """
    rows = [c.rows() for c in changes]
    for table, pick in ((heat_counts, lambda r: [r[0]]), (heat_bins, lambda r: r[1])):
        pk = [c.name for c in table.primary_key.columns]
        flat = sorted((row for r in rows for row in pick(r)), key=lambda r: [r[c] for c in pk])
        if not flat:
            continue
        conn.execute(_upsert_statement(conn.dialect.name, table), flat)
        gone = [r for r in flat if r["count"] < 0]
        if gone:
            keys = [{f"k_{c}": r[c] for c in pk} for r in gone]
            conn.execute(_prune_statement(table), keys)


def _current(rec: Record) -> dict[str, Any]:
    """The record's aggregate key as it is now."""
    return {a: getattr(rec, a) for a in KEY_ATTRS}


def _previous(rec: Record) -> dict[str, Any]:
    """The record's aggregate key as it was before this flush's changes."""
    out = {}
    for attr in KEY_ATTRS:
        hist = get_history(rec, attr)
        out[attr] = hist.deleted[0] if hist.deleted else getattr(rec, attr)
    return out


def _on_insert(_mapper: Mapper, conn: Connection, rec: Record) -> None:
    """Count a new record."""
    upsert(conn, [added(_current(rec))])


def _on_update(_mapper: Mapper, conn: Connection, rec: Record) -> None:
    """Move the record's counts when its location, category or time changed."""
    old, new = _previous(rec), _current(rec)
    if old != new:
        upsert(conn, [added(old, -1), added(new)])


def _on_delete(_mapper: Mapper, conn: Connection, rec: Record) -> None:
    """Uncount a deleted record."""
    upsert(conn, [added(_previous(rec), -1)])


def install() -> None:
    """Attach the listeners to the Record mapper (idempotent): ``api.store.make_store`` calls it,
    so every process that writes records through a store counts heat."""
    for name, fn in (
        ("after_insert", _on_insert),
        ("after_update", _on_update),
        ("after_delete", _on_delete),
    ):
        if not event.contains(Record, name, fn):
            event.listen(Record, name, fn)


def _hour_pivot(keys: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Rows per ``by`` with the 24 hour columns and their total, from keys carrying ``hour``."""
    wide = keys.groupby([*by, "hour"], sort=False).size().unstack("hour", fill_value=0)
    wide = wide.reindex(columns=range(24), fill_value=0).set_axis(list(HOURS), axis=1)
    wide.insert(0, "count", wide.sum(axis=1))
    return wide.reset_index()


def _keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Each record's aggregate key with its local hour and shard (columns of ``_batches``)."""
    local = pd.to_datetime(frame["occurred_at"], utc=True).dt.tz_convert(LOCAL_TZ)
    return pd.DataFrame(
        {
            "day": local.dt.date.to_numpy(),
            "kind": frame["kind"].to_numpy(),
            "category": frame["category"].to_numpy(),
            "h3": frame["h3"].astype(str).to_numpy(),
            "cell_code": frame["cell_code"].to_numpy(),
            "shard": frame["id"].astype(str).map(shard_of).to_numpy(np.int16),
            "hour": local.dt.hour.to_numpy(np.int16),
        }
    )


def bins(fine: pd.DataFrame) -> pd.DataFrame:
    """``heat_bins`` rows from counts per (day, kind, category, finest h3, shard) with hours."""
    counts = ["count", *HOURS]
    day = pd.to_datetime(fine["day"])
    cells = fine["h3"].to_numpy()
    finest = {c: h3.get_resolution(str(c)) for c in pd.unique(cells)}
    cell_res = np.array([finest[c] for c in cells])
    parts = []
    for res in SERVING_RESOLUTIONS:
        keep = cell_res > res
        if not keep.any():
            continue
        base = fine.loc[keep, ["kind", "category", "shard", *counts]]
        base = base.assign(res=res, h3=parents(cells[keep], res))
        month = day[keep].dt.to_period("M").dt.start_time
        for monthly, when in ((False, day[keep]), (True, month)):
            rows = base.assign(monthly=monthly, day=when.dt.date.to_numpy())
            parts.append(rows.groupby(BINS_PK, sort=False)[counts].sum().reset_index())
    if not parts:
        return pd.DataFrame(columns=[*BINS_PK, "weekday", *counts])
    out = pd.concat(parts, ignore_index=True)
    wd = pd.to_datetime(out["day"]).dt.day_of_week.astype("Int16")
    out.insert(len(BINS_PK), "weekday", wd.where(~out["monthly"].astype(bool)))
    return out


def tables(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows of ``heat_counts`` and ``heat_bins`` from records (columns id, h3, cell_code, kind,
    category, occurred_at)."""
    keys = _keys(frame)
    fine = _hour_pivot(keys, FINE_PK)
    fine.insert(len(FINE_PK), "weekday", pd.to_datetime(fine["day"]).dt.day_of_week.astype("int16"))
    return fine, bins(_hour_pivot(keys, ["day", "kind", "category", "h3", "shard"]))


def _batches(conn: Connection, size: int) -> Iterable[pd.DataFrame]:
    """The records' ids and aggregate keys, ``size`` rows at a time."""
    cols = [
        Record.id,
        Record.h3,
        Record.cell_code,
        Record.kind,
        Record.category,
        Record.occurred_at,
    ]
    result = conn.execute(select(*cols), execution_options={"yield_per": size})
    for chunk in result.partitions(size):
        yield pd.DataFrame(chunk, columns=[c.key for c in cols])


def rebuild(conn: Connection, batch: int = 200_000) -> int:
    """Recompute both tables from the records inside the caller's transaction; returns the
    number of records counted."""
    frames = list(_batches(conn, batch))
    conn.execute(delete(heat_counts))
    conn.execute(delete(heat_bins))
    if not frames:
        return 0
    records = pd.concat(frames, ignore_index=True)
    for table, rows in zip((heat_counts, heat_bins), tables(records), strict=True):
        dicts = rows.astype(object).where(rows.notna(), None).to_dict("records")
        for lo in range(0, len(dicts), batch):
            conn.execute(insert(table), dicts[lo : lo + batch])
    return len(records)


def snapshot(conn: Connection) -> dict[str, pd.DataFrame]:
    """Both stored tables, sorted by key (to compare with a rebuild)."""
    out = {}
    for table in (heat_counts, heat_bins):
        rows = conn.execute(select(table).where(table.c["count"] > 0)).all()
        frame = pd.DataFrame(rows, columns=[c.name for c in table.columns])
        pk = [c.name for c in table.primary_key.columns]
        out[table.name] = frame.sort_values(pk).reset_index(drop=True)
    return out
