"""Group commit for plain records on PostGIS: records arriving together are stored together.

Tablets post records one at a time, but at busy moments dozens arrive within a millisecond. Each
worker queues the plain records its requests have planned and sends them as ONE autocommitted
statement per round (``batch_sql``): the records ``INSERT ... SELECT FROM unnest(...) ON CONFLICT
(id) DO NOTHING``, then, for the rows actually inserted, their audit rows and their heat counts
summed per ``heat_counts`` / ``heat_bins`` key. A request is answered only after the round that
holds its record has committed, so an acknowledged record is durable exactly as before; a resent
id inserts nothing and is answered from the stored record.

Why: one statement and one commit (one WAL flush) for many records costs the database and the
driver far less than one each, and a hot heat row (all records of one area, day and category
meet on it) is locked by one transaction per round instead of by every writer in turn.

Locks are taken in key order (``ORDER BY`` in every upsert), so two rounds running at once on
different connections cannot deadlock on the heat rows. If a round fails for a reason other
than a lost connection, its records are retried one by one, so one bad record fails alone.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import psycopg

from api.accounts.audit import audit_diff
from api.analytics import heatagg
from api.errors import Busy
from api.models.analytics import HOURS
from api.pgasync import AsyncPgPool

#: Record columns written on the fast path, with the PostgreSQL type of their parameter array.
RECORD_COLUMNS: dict[str, str] = {
    "id": "uuid",
    "kind": "text",
    "category": "text",
    "priority": "text",
    "status": "text",
    "description": "text",
    "occurred_at": "timestamptz",
    "lon": "float8",
    "lat": "float8",
    "cell_code": "text",
    "community_code": "text",
    "h3": "text",
    "author_id": "int4",
    "created_at": "timestamptz",
    "updated_at": "timestamptz",
    "started_at": "timestamptz",
    "ended_at": "timestamptz",
    "content_hash": "text",
}
#: Per-record heat key columns (from ``api.analytics.heatagg.added``) and the audit diff, after
#: the record's own.
SLOT_COLUMNS: dict[str, str] = {
    "diff": "text",
    "s_day": "date",
    "s_hour": "int2",
    "s_month": "date",
    "s_wd": "int2",
    "s_shard": "int2",
}
#: The most records one round sends; later arrivals wait for the next round.
MAX_BATCH = 256
#: The most records a process lets wait for a round; beyond, a write is refused with 503 and a
#: Retry-After (the tablet keeps it queued and sends it again), rather than waiting unbounded
#: while the database is stalled.
MAX_WAITING = 4096


def _set_added() -> str:
    """``ON CONFLICT`` assignments adding the new counts to the stored ones (table alias ``t``)."""
    return ",".join(f"{c}=t.{c}+excluded.{c}" for c in ('"count"', *HOURS))


def _sums() -> str:
    """The summed count and hour columns of a group of inserted records (``n``)."""
    return "count(*)," + ",".join(f"sum({h})" for h in HOURS)


@cache
def batch_sql(resolutions: tuple[int, ...]) -> str:
    """The statement storing a round of plain records, their audit rows and heat counts.

    Parameters are one array per column (``RECORD_COLUMNS``, ``SLOT_COLUMNS`` and ``p<res>``, the
    parent bin at each serving resolution); it returns the ids that were inserted. Every table's
    rows are locked in key order, and ``heat_counts`` before ``heat_bins`` (``b`` waits for ``h``),
    the order ``api.analytics.heatagg.upsert`` uses, so no two writers wait on each other in a
    circle. (The
    text is over psycopg's 4096-character limit for caching its parse: about 50 µs a round.)
    """
    cols = {**RECORD_COLUMNS, **SLOT_COLUMNS, **{f"p{r}": "text" for r in resolutions}}
    arrays = ",".join(f"%({c})s::{t}[]" for c, t in cols.items())
    record_cols = ",".join(RECORD_COLUMNS)
    onehot = ",".join(f"(s_hour={i})::int {h}" for i, h in enumerate(HOURS))
    counts = f'"count",{",".join(HOURS)}'
    fine_key = ",".join(heatagg.FINE_PK)
    bins_key = ",".join(heatagg.BINS_PK)
    slots = ",".join(
        f"({r}::int2,{monthly},{when},p{r},{wd})"
        for r in resolutions
        for monthly, when, wd in (("false", "s_day", "s_wd"), ("true", "s_month", "NULL::int2"))
    )
    bins = (
        f",b AS (INSERT INTO heat_bins AS t ({bins_key},weekday,{counts}) "
        f"SELECT v.res,v.monthly,category,v.day,kind,v.h3,s_shard,v.wd,{_sums()} "
        f"FROM n,LATERAL (VALUES {slots}) v(res,monthly,day,h3,wd) "
        "WHERE (SELECT count(*) FROM h)>=0 "  # heat_counts first, as the ORM path locks them
        f"GROUP BY 1,2,3,4,5,6,7,8 ORDER BY 1,2,3,4,5,6,7 "
        f"ON CONFLICT ({bins_key}) DO UPDATE SET {_set_added()})"
    )
    return (
        f"WITH x AS (SELECT * FROM unnest({arrays}) u({','.join(cols)})),"
        f"r AS (INSERT INTO records ({record_cols},geom,version) "
        f"SELECT {record_cols},ST_SetSRID(ST_MakePoint(lon,lat),4326),1 FROM x ORDER BY id "
        "ON CONFLICT (id) DO NOTHING RETURNING id),"
        f"n AS (SELECT x.*,{onehot} FROM x JOIN r USING (id)),"
        "a AS (INSERT INTO audit_log (at,user_id,action,entity,entity_id,diff) "
        "SELECT created_at,author_id,'create','record',id::text,diff::json FROM n ORDER BY id),"
        f"h AS (INSERT INTO heat_counts AS t ({fine_key},weekday,{counts}) "
        f"SELECT s_day,kind,category,h3,cell_code,s_wd,{_sums()} FROM n "
        f"GROUP BY 1,2,3,4,5,6 ORDER BY 1,2,3,4,5 "
        f"ON CONFLICT ({fine_key}) DO UPDATE SET {_set_added()} RETURNING 1)"
        + (bins if resolutions else "")
        + " SELECT id FROM r"
    )


@dataclass(frozen=True)
class Row:
    """One planned record as the batch statement's parameters want it, and its heat resolutions."""

    values: dict[str, Any]
    resolutions: tuple[int, ...]


def row_of(values: dict[str, Any]) -> Row:
    """The parameters of one planned plain record: its columns, audit diff and what it adds to
    the heat tables (``api.analytics.heatagg.added``: the statement sums it per key)."""
    at = heatagg.added(values).slot
    out = {c: values[c] for c in RECORD_COLUMNS}
    out.update(
        diff=json.dumps(audit_diff(values)),
        s_day=at.day,
        s_hour=at.hour,
        s_month=at.month,
        s_wd=at.day.weekday(),
        s_shard=at.shard,
    )
    out.update({f"p{r}": cell for r, cell in at.parents})
    return Row(out, tuple(r for r, _ in at.parents))


def batch_params(rows: Sequence[Row]) -> tuple[str, dict[str, list[Any]]]:
    """The statement and its column arrays for rows sharing one set of resolutions."""
    resolutions = rows[0].resolutions
    names = [*RECORD_COLUMNS, *SLOT_COLUMNS, *(f"p{r}" for r in resolutions)]
    return batch_sql(resolutions), {c: [row.values[c] for row in rows] for c in names}


async def store_rows(pool: AsyncPgPool, rows: Sequence[Row]) -> set[Any]:
    """Store ``rows`` in one statement (all share their resolutions); the ids inserted."""
    sql, params = batch_params(rows)
    return {r[0] for r in await pool.fetchall(sql, params)}


class GroupCommit:
    """Queues plain records on one event loop and stores them in rounds over ``pool``.

    At most ``rounds`` statements run at once (one per pooled connection); records planned while
    they run wait and go together in the next round.
    """

    def __init__(self, pool: AsyncPgPool, rounds: int) -> None:
        self.pool, self.rounds = pool, max(1, rounds)
        self._queue: list[tuple[Row, asyncio.Future[bool]]] = []
        self._running = 0
        self._kick_scheduled = False
        self._tasks: set[asyncio.Task[None]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.statements = 0  # batch statements sent (for monitoring and tests)
        self.records = 0  # records sent in them

    async def store(self, values: dict[str, Any]) -> bool:
        """Store one planned plain record; True once committed, False when its id existed."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new loop (tests start their own): forget the old one
            self._loop, self._queue, self._running, self._kick_scheduled = loop, [], 0, False
        if len(self._queue) >= MAX_WAITING:
            raise Busy("the server is busy storing records; send this one again shortly")
        done: asyncio.Future[bool] = loop.create_future()
        self._queue.append((row_of(values), done))
        if not self._kick_scheduled:
            # after the callbacks already due in this loop pass, so records that arrived
            # together are sent together
            self._kick_scheduled = True
            loop.call_soon(self._kick)
        return await done

    def _kick(self) -> None:
        """Start rounds while records wait and connections are free."""
        self._kick_scheduled = False
        while self._queue and self._running < self.rounds:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            self._running += 1
            task = asyncio.get_running_loop().create_task(self._round(batch))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _round(self, batch: list[tuple[Row, asyncio.Future[bool]]]) -> None:
        """Store one round and answer its waiters; then start the next round if any wait."""
        try:
            await self._store_round(batch)
        except BaseException as e:  # interrupted (shutdown): no waiter may wait forever
            _fail(batch, e if isinstance(e, Exception) else RuntimeError("write interrupted"))
            raise
        finally:
            self._running -= 1
            if self._queue:
                self._kick()

    async def _store_round(self, batch: list[tuple[Row, asyncio.Future[bool]]]) -> None:
        """Send ``batch`` and resolve each waiter (see ``_statements`` for how it is split)."""
        for group in _statements(batch):
            self.statements, self.records = self.statements + 1, self.records + len(group)
            try:
                inserted = await _store_retrying(self.pool, [row for row, _ in group])
            except psycopg.OperationalError as e:
                # the connection is gone, or the database kept refusing: whether a lost round
                # committed is unknown, so every request in it fails unacknowledged, and a
                # resend finds its record by id
                _fail(group, e)
                continue
            except Exception:  # noqa: BLE001 - one bad record must not fail the others
                await self._one_by_one(group)
                continue
            for row, done in group:
                if not done.done():
                    done.set_result(row.values["id"] in inserted)

    async def _one_by_one(self, group: list[tuple[Row, asyncio.Future[bool]]]) -> None:
        """Store each record of a failed round alone, so only a bad one gets its error."""
        for row, done in group:
            try:
                inserted = await _store_retrying(self.pool, [row])
            except Exception as e:  # noqa: BLE001 - handed to that record's request
                _fail([(row, done)], e)
                continue
            if not done.done():
                done.set_result(row.values["id"] in inserted)


#: Errors after which PostgreSQL has rolled the statement back and it may simply run again: a
#: deadlock or serialisation failure, a statement or lock timeout.
ROLLED_BACK = (
    psycopg.errors.TransactionRollback,
    psycopg.errors.QueryCanceled,
    psycopg.errors.LockNotAvailable,
)
#: How many times a rolled-back round is sent again before its requests get the error.
RETRIES = 3


async def _store_retrying(pool: AsyncPgPool, rows: Sequence[Row]) -> set[Any]:
    """``store_rows``, sent again (after a short pause) when PostgreSQL rolled it back."""
    for attempt in range(RETRIES):
        try:
            return await store_rows(pool, rows)
        except ROLLED_BACK:
            if attempt == RETRIES - 1:
                raise
            await asyncio.sleep(0.01 * (attempt + 1))
    raise AssertionError("unreachable")


def _statements(
    batch: list[tuple[Row, asyncio.Future[bool]]],
) -> list[list[tuple[Row, asyncio.Future[bool]]]]:
    """``batch`` split into statements: one per set of heat resolutions, and a repeated id (a
    resend racing its original) in a later statement, so the first copy is stored and the later
    ones find it."""
    out: dict[tuple[tuple[int, ...], int], list[tuple[Row, asyncio.Future[bool]]]] = {}
    copies: dict[Any, int] = {}
    for item in batch:
        rid = item[0].values["id"]
        nth = copies[rid] = copies.get(rid, -1) + 1
        out.setdefault((item[0].resolutions, nth), []).append(item)
    return [out[k] for k in sorted(out, key=lambda k: k[1])]


def _fail(group: list[tuple[Row, asyncio.Future[bool]]], error: BaseException) -> None:
    """Hand ``error`` to every waiter of ``group`` still waiting."""
    for _, done in group:
        if not done.done():
            done.set_exception(error)
