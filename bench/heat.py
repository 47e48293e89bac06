"""Heat layer over 1M records on PostGIS: the pre-aggregate (``heat_counts``) against a naive
GROUP BY over the raw records, same filters (a month or a year, two categories, evening hours).

Both sides return counts per fine H3 bin and roll them up with ``grid.heat.to_parent`` to the
district-view resolution, so they do the same work after SQL. Target (DESIGN §8): p50 ≤ 100 ms
and ≥ 10× the naive query. Runs in a temporary database, dropped afterwards.

    .venv/bin/python bench/heat.py [--records 1000000] [--repeat 25]
"""

from __future__ import annotations

import argparse
import io
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
import psycopg

from api import heatagg
from api.migrate import upgrade
from grid.assign import h3_index
from grid.catalog import CATEGORIES, RecordKind
from grid.heat import LOCAL_TZ, to_parent

PG = "postgresql://postgres@127.0.0.1:5432/"
RES = 11  # the store's fine resolution (api.settings.Settings.h3_resolution)
VIEW_RES = 9
HOURS = (18, 19, 20, 21, 22, 23)


def generate(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` records over 2025 in Heping: clustered at 3000 addresses, Zipf categories, a daily cycle."""
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
    """Records straight into ``records`` and their aggregate (``heatagg.aggregate``) into heat_counts."""
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
        agg = heatagg.aggregate(frame)
        copy(
            conn,
            "heat_counts",
            agg[["day", "kind", "category", "hour", "h3", "cell_code", "weekday", "count"]],
        )
        conn.execute("VACUUM ANALYZE records")
        conn.execute("VACUUM ANALYZE heat_counts")
        print(f"loaded {len(rec):,} records; heat_counts has {len(agg):,} rows")


PRE = (
    "SELECT h3, sum(count) FROM heat_counts WHERE day >= %s AND day < %s "
    "AND category = ANY(%s) AND hour = ANY(%s) GROUP BY h3"
)
NAIVE = (
    "SELECT h3, count(*) FROM records WHERE occurred_at >= %s AND occurred_at < %s "
    "AND category = ANY(%s) AND extract(hour FROM occurred_at AT TIME ZONE '"
    + LOCAL_TZ
    + "')::int = ANY(%s) GROUP BY h3"
)


def local_midnight(d: date) -> datetime:
    """Asia/Shanghai midnight of ``d`` as an aware datetime."""
    return pd.Timestamp(d).tz_localize(LOCAL_TZ).to_pydatetime()


def timed(
    conn: psycopg.Connection,
    sql: str,
    periods: list[tuple[date, date]],
    cats: list[str],
    as_time: bool,
) -> np.ndarray:
    """Milliseconds per query (SQL plus the roll-up to the view resolution), one per period."""
    out = []
    for a, b in periods:
        args = (local_midnight(a), local_midnight(b)) if as_time else (a, b)
        t0 = time.perf_counter()
        rows = conn.execute(sql, (*args, cats, list(HOURS))).fetchall()
        to_parent(pd.DataFrame(rows, columns=["h3", "count"]), VIEW_RES)
        out.append((time.perf_counter() - t0) * 1000)
    return np.array(out)


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
        with psycopg.connect(PG + name) as conn:
            conn.execute("SET jit = off")
            for label, length in (("one month", 30), ("one year", 365)):
                starts = [
                    date(2025, 1, 1) + timedelta(days=int(d))
                    for d in np.linspace(0, 365 - length, args.repeat)
                ]
                periods = [(s, s + timedelta(days=length)) for s in starts]
                timed(conn, PRE, periods[:3], cats, False)  # warm caches on both sides
                timed(conn, NAIVE, periods[:3], cats, True)
                pre = timed(conn, PRE, periods, cats, False)
                naive = timed(conn, NAIVE, periods, cats, True)
                p = lambda a: (np.percentile(a, 50), np.percentile(a, 99))  # noqa: E731
                print(
                    f"\n{label}, categories {cats}, hours {HOURS[0]}-{HOURS[-1]}, "
                    f"{args.repeat} periods:"
                )
                print(f"  pre-aggregate  p50 {p(pre)[0]:8.1f} ms   p99 {p(pre)[1]:8.1f} ms")
                print(f"  naive GROUP BY p50 {p(naive)[0]:8.1f} ms   p99 {p(naive)[1]:8.1f} ms")
                print(f"  ratio (naive / pre-aggregate) p50 {p(naive)[0] / p(pre)[0]:.1f}x")
    finally:
        with psycopg.connect(PG + "postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
