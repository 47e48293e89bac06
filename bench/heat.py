"""Heat layer over 1M records on PostGIS: the pre-aggregate against a naive GROUP BY over the raw
records, same filters (a month or a year, two categories, evening hours), same answer.

The pre-aggregate side is the API's own query (``api.analytics.heat.bins_at`` for a district-wide
user): ``heat_bins`` at the district-view resolution, whole months from monthly rows, the evening
hour columns summed, GROUP BY h3 in SQL. The naive side counts records per fine H3 bin in SQL and
rolls them up with ``grid.analysis.heat.to_parent``. Target (DESIGN §8): p50 ≤ 100 ms and ≥ 10× the
naive query. Runs in a temporary database, dropped afterwards; records and both aggregate tables are
loaded with COPY (the aggregate from ``api.analytics.heatagg.tables``, as ``wangge heat rebuild``
has it).

    .venv/bin/python bench/heat.py [--records 1000000] [--repeat 25]
"""

from __future__ import annotations

import argparse
import io
import os
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import psycopg
from sqlalchemy import Connection

from api.accounts.access import Scope
from api.analytics import heatagg
from api.analytics.filters import Days, HeatFilter
from api.analytics.heat import bins_at
from api.db import make_engine
from api.migrate import upgrade
from grid.analysis.h3index import h3_index
from grid.analysis.heat import LOCAL_TZ, to_parent
from grid.domain.caseflow import Role
from grid.domain.catalog import CATEGORIES, RecordKind

PG = "postgresql://postgres@127.0.0.1:5432/"
RES = 11  # the store's fine resolution (api.settings.Settings.h3_resolution)
VIEW_RES = 9
HOURS = (18, 19, 20, 21, 22, 23)


def generate(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` records over 2025 in Heping: clustered at 3000 addresses, Zipf categories, a daily
    cycle."""
    rng = np.random.default_rng(seed)
    addr = np.column_stack([rng.uniform(117.170, 117.225, 3000), rng.uniform(39.100, 39.135, 3000)])
    pick = rng.zipf(1.3, n) % 3000
    lon = addr[pick, 0] + rng.normal(0, 0.0002, n)
    lat = addr[pick, 1] + rng.normal(0, 0.0002, n)
    kinds = rng.choice([k.value for k in RecordKind], n, p=[0.3, 0.5, 0.2])
    category = np.empty(n, dtype=object)
    for k in RecordKind:
        codes = [t.code for t in CATEGORIES[k]]
        w = 1.0 / np.arange(1, len(codes) + 1)
        sel = kinds == k.value
        category[sel] = rng.choice(codes, int(sel.sum()), p=w / w.sum())
    hour_w = np.array(
        [1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 8, 8, 8, 8, 8, 8, 8, 9, 9, 8, 6, 4, 2], float
    )
    hours = rng.choice(24, n, p=hour_w / hour_w.sum())
    start = datetime(2025, 1, 1, tzinfo=UTC) - timedelta(hours=8)
    occurred = (
        pd.Timestamp(start)
        + pd.to_timedelta(rng.integers(0, 365, n), "D")
        + pd.to_timedelta(hours, "h")
        + pd.to_timedelta(rng.integers(0, 3600, n), "s")
    )
    return pd.DataFrame(
        {
            "id": [str(uuid.UUID(int=int(i) + 1)) for i in range(n)],
            "kind": kinds,
            "category": category,
            "occurred_at": occurred,
            "lon": lon,
            "lat": lat,
            "h3": h3_index(lon, lat, RES),
            "cell_code": np.char.add("120101001001", np.char.zfill((pick % 200).astype(str), 3)),
        }
    )


def copy(conn: psycopg.Connection, table: str, frame: pd.DataFrame) -> None:
    """COPY ``frame`` into ``table`` (columns by name) as CSV."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, header=False)
    with conn.cursor().copy(
        f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)"
    ) as cp:
        cp.write(buf.getvalue())


def load(url: str, frame: pd.DataFrame) -> None:
    """Records straight into ``records``, their aggregate (``heatagg.tables``) into heat_counts
    and heat_bins (daily rows in day order, as live writes leave them)."""
    now = datetime.now(UTC).isoformat()
    rec = pd.DataFrame(
        {
            "id": frame.id,
            "kind": frame.kind,
            "category": frame.category,
            "description": "bench",
            "occurred_at": frame.occurred_at.dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            "lon": frame.lon,
            "lat": frame.lat,
            "geom": "SRID=4326;POINT(" + frame.lon.astype(str) + " " + frame.lat.astype(str) + ")",
            "cell_code": frame.cell_code,
            "community_code": frame.cell_code.str[:12],
            "h3": frame.h3,
            "author_id": 1,
            "created_at": now,
            "updated_at": now,
            "version": 1,
            "content_hash": "bench",
        }
    )
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (id, username, password_hash, role, display_name, active, "
            "created_at) VALUES (1, 'bench', '-', 'admin', 'bench', true, now())"
        )
        copy(conn, "records", rec)
        fine, bins = heatagg.tables(frame)
        copy(conn, "heat_counts", fine.sort_values(["day", "kind", "category"]))
        copy(conn, "heat_bins", bins.sort_values(["res", "monthly", "day"]))
        for table in ("records", "heat_counts", "heat_bins"):
            conn.execute(f"VACUUM ANALYZE {table}")
        daily = int((~bins.monthly.astype(bool)).sum())
        print(
            f"loaded {len(rec):,} records; heat_counts has {len(fine):,} rows, heat_bins "
            f"{daily:,} daily + {len(bins) - daily:,} monthly rows over resolutions "
            f"{sorted(bins.res.unique().tolist())}"
        )


ADMIN = Scope(0, "bench", Role.ADMIN, None, None)
NAIVE = (
    "SELECT h3, count(*) FROM records WHERE occurred_at >= %s AND occurred_at < %s "
    "AND category = ANY(%s) AND extract(hour FROM occurred_at AT TIME ZONE '"
    + LOCAL_TZ
    + "')::int = ANY(%s) GROUP BY h3"
)


def local_midnight(d: date) -> datetime:
    """Asia/Shanghai midnight of ``d`` as an aware datetime."""
    return pd.Timestamp(d).tz_localize(LOCAL_TZ).to_pydatetime()


def timed_pre(conn: Connection, periods: list[tuple[date, date]], cats: list[str]) -> np.ndarray:
    """Milliseconds per heat query through the API's code (bins at the view resolution)."""
    out = []
    for a, b in periods:
        f = HeatFilter(Days(a, b), HOURS, None, None, tuple(cats))
        t0 = time.perf_counter()
        bins_at(conn, ADMIN, f, VIEW_RES, RES)
        out.append((time.perf_counter() - t0) * 1000)
    return np.array(out)


def timed_naive(
    conn: psycopg.Connection, periods: list[tuple[date, date]], cats: list[str]
) -> np.ndarray:
    """Milliseconds per naive query (SQL over records plus the roll-up to the view resolution)."""
    out = []
    for a, b in periods:
        t0 = time.perf_counter()
        args = (local_midnight(a), local_midnight(b), cats, list(HOURS))
        rows = conn.execute(NAIVE, args).fetchall()
        to_parent(pd.DataFrame(rows, columns=["h3", "count"]), VIEW_RES)
        out.append((time.perf_counter() - t0) * 1000)
    return np.array(out)


def same_answer(
    sa: Connection, pg: psycopg.Connection, period: tuple[date, date], cats: list[str]
) -> None:
    """Stop unless both designs give the same bins for ``period``."""
    f = HeatFilter(Days(*period), HOURS, None, None, tuple(cats))
    pre = bins_at(sa, ADMIN, f, VIEW_RES, RES).set_index("h3")["count"]
    args = (local_midnight(period[0]), local_midnight(period[1]), cats, list(HOURS))
    rows = pg.execute(NAIVE, args).fetchall()
    naive = to_parent(pd.DataFrame(rows, columns=["h3", "count"]), VIEW_RES).set_index("h3")[
        "count"
    ]
    if not pre.sort_index().equals(naive.sort_index().astype("int64")):
        raise SystemExit(f"pre-aggregate and naive answers differ for {period}")


def main() -> None:
    """Generate, load, time both designs per period length, print p50/p99 and the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=25)
    args = ap.parse_args()
    name = f"wangge_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG + "postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(PG + name, autocommit=True) as c:
            c.execute("CREATE EXTENSION postgis")
        upgrade(PG + name)
        t0 = time.perf_counter()
        frame = generate(args.records)
        load(PG + name, frame)
        print(f"generate + load: {time.perf_counter() - t0:.0f} s")
        cats = ["neighbour", "public_order"]
        engine = make_engine(PG + name, pool_size=1)
        with psycopg.connect(PG + name) as conn, engine.connect() as sa:
            conn.execute("SET jit = off")
            sa.exec_driver_sql("SET jit = off")
            # the calendar year 2025 (whole months only) and years starting mid-January, which
            # also read the days around the whole months from the daily rows
            for label, length, first, last in (
                ("one month", 30, 0, 335),
                ("one year", 365, 0, 0),
                ("one year from mid-month", 365, 2, 27),
            ):
                starts = [
                    date(2025, 1, 1) + timedelta(days=int(d))
                    for d in np.linspace(first, last, args.repeat)
                ]
                periods = [(s, s + timedelta(days=length)) for s in starts]
                same_answer(sa, conn, periods[1], cats)
                timed_pre(sa, periods[:3], cats)  # warm caches on both sides
                timed_naive(conn, periods[:3], cats)
                pre = timed_pre(sa, periods, cats)
                naive = timed_naive(conn, periods, cats)
                p = lambda a: (np.percentile(a, 50), np.percentile(a, 99))  # noqa: E731
                print(
                    f"\n{label}, categories {cats}, hours {HOURS[0]}-{HOURS[-1]}, "
                    f"{args.repeat} periods:"
                )
                print(f"  pre-aggregate  p50 {p(pre)[0]:8.1f} ms   p99 {p(pre)[1]:8.1f} ms")
                print(f"  naive GROUP BY p50 {p(naive)[0]:8.1f} ms   p99 {p(naive)[1]:8.1f} ms")
                print(f"  ratio (naive / pre-aggregate) p50 {p(naive)[0] / p(pre)[0]:.1f}x")
        engine.dispose()
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    finally:
        with psycopg.connect(PG + "postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
