"""Write throughput: 64 concurrent clients creating records against a running server.

Starts uvicorn in a subprocess on a fresh database (PostGIS and/or embedded SpatiaLite), drives it
with a light load generator (wrk with a Lua script when installed, else a lean asyncio client; see
bench/writeload.py) and prints, per backend side by side: records/s, p50/p99 latency, errors, the
CPU the server (and, for PostGIS, its database backends) spent per record — read from /proc, so it
does not depend on what else the 2 cores are doing — and the load average. Afterwards it checks
that every acknowledged record is in the database. Target (DESIGN §8): ≥1000 records/s with
p99 ≤50 ms at 64 clients on PostGIS.

    .venv/bin/python bench/writes.py --backend both --seconds 30
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import psycopg
import shapely
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.db import make_engine, session_scope  # noqa: E402
from api.io.loaders import add_user, assign_leader, load_area, load_cells  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.store import make_store  # noqa: E402
from bench.writeload import Load, drive  # noqa: E402

PG = os.environ.get("WANGGE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/")  # as the tests
X0, Y0, W = 117.20, 39.10, 0.01
BOX = (X0, Y0, W)
COMMUNITY = "120101001001"
TARGET_RATE, TARGET_P99 = 1000.0, 50.0
TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Result:
    """One backend's figures."""

    backend: str
    workers: int
    load: Load
    app_ms: float  # server CPU per acknowledged record
    db_ms: float | None  # PostgreSQL backends' CPU per acknowledged record
    loadavg: str
    stored: int
    acknowledged: int


def free_port() -> int:
    """An unused local TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def loadavg() -> str:
    """The 1-minute and 5-minute load averages."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:2])


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds used so far by ``pids`` (gone processes count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def process_tree(root: int) -> list[int]:
    """``root`` and all its descendants (uvicorn's worker processes)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(stat.parent.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(parents.get(pid, []))
    return out


def db_backends(name: str | None) -> list[int]:
    """The PostgreSQL backend processes serving database ``name``."""
    if name is None:
        return []
    with psycopg.connect(PG + "postgres", autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchall()
    return [r[0] for r in rows]


def prepare(url: str, tmp: Path) -> None:
    """Migrate the database and load 16 square cells, all led by one officer."""
    store = make_store(Settings(database_url=url, secret_key="b" * 40, photo_dir=tmp))
    quarter = W / 4
    cells = [
        (
            f"{COMMUNITY}{i + 1:03d}",
            shapely.box(
                X0 + (i % 4) * quarter,
                Y0 + (i // 4) * quarter,
                X0 + (i % 4 + 1) * quarter,
                Y0 + (i // 4 + 1) * quarter,
            ),
        )
        for i in range(16)
    ]
    box = shapely.box(X0, Y0, X0 + W, Y0 + W)

    def area(**cols: list[str]) -> gpd.GeoDataFrame:
        return gpd.GeoDataFrame(cols, geometry=[box], crs=4326)

    with session_scope(store.sessions) as s:
        load_area(s, "district", area(code=["120101"]))
        load_area(s, "street", area(code=["120101001"], district_code=["120101"]))
        load_area(s, "community", area(code=[COMMUNITY], street_code=["120101001"]))
        load_cells(
            s,
            gpd.GeoDataFrame(
                {"code": [c for c, _ in cells], "community_code": COMMUNITY, "households": 150},
                geometry=[g for _, g in cells],
                crs=4326,
            ),
        )
        add_user(s, "bench", "bench-pass", "officer")
        for code, _ in cells:
            assign_leader(s, code, "bench")
    store.engine.dispose()


def token(base: str) -> str:
    """A bearer token for the bench officer."""
    form = urllib.parse.urlencode({"username": "bench", "password": "bench-pass"}).encode()
    with urllib.request.urlopen(base + "/api/v1/auth/token", form, timeout=30) as r:
        return json.load(r)["access_token"]


def wait_ready(base: str, server: subprocess.Popen) -> None:
    """Block until the server answers /meta (or fail if it died)."""
    for _ in range(300):
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode}")
        try:
            with urllib.request.urlopen(base + "/api/v1/meta", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def stored_records(url: str) -> int:
    """How many records the database holds."""
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM records")).scalar_one()
    finally:
        engine.dispose()


def serve_and_measure(
    url: str, db_name: str | None, tmp: Path, backend: str, args: argparse.Namespace
) -> Result:
    """Prepare the database, start uvicorn on it, warm it up, measure; always stops the server."""
    prepare(url, tmp)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "WANGGE_SECRET_KEY": "b" * 40,
        "WANGGE_PHOTO_DIR": str(tmp),
    }
    if args.pool:
        env["WANGGE_DB_POOL_SIZE"] = str(args.pool)
    workers = args.workers if backend == "postgis" else 1
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.main:create_app",
            "--factory",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, server)
        bearer = token(base)
        warm = drive(base, bearer, args.clients, 3.0, BOX, args.tool)  # pools, caches, JIT-less
        pids, dbs = process_tree(server.pid), db_backends(db_name)
        app0 = {p: cpu_seconds([p]) for p in pids}
        db0 = {p: cpu_seconds([p]) for p in dbs}
        before = loadavg()
        load = drive(base, bearer, args.clients, args.seconds, BOX, args.tool)
        # processes that started during the run (a respawned worker, a new connection) count
        # in full; ones that ended during it are lost, so a changed set is reported
        pids_after, dbs_after = process_tree(server.pid), db_backends(db_name)
        app_cpu = sum(cpu_seconds([p]) - app0.get(p, 0.0) for p in pids_after)
        db_cpu = sum(cpu_seconds([p]) - db0.get(p, 0.0) for p in dbs_after)
        if set(pids_after) != set(pids) or not set(dbs) <= set(dbs_after):
            print(f"{backend}: server or DB processes changed during the run", file=sys.stderr)
        after = loadavg()
    finally:
        server.terminate()
        server.wait(timeout=30)
    n = max(load.ok, 1)
    return Result(
        backend,
        workers,
        load,
        app_cpu * 1000 / n,
        db_cpu * 1000 / n if db_name else None,
        f"{before} → {after}",
        stored_records(url),
        warm.ok + load.ok,
    )


def run(backend: str, args: argparse.Namespace) -> Result:
    """Benchmark one backend end to end on a fresh database (dropped afterwards)."""
    tmp = Path(tempfile.mkdtemp(prefix="wangge-bench-"))
    name = None
    if backend == "postgis":
        name = f"wangge_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG + "postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = PG + name
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite'}"
    try:
        if name:
            with psycopg.connect(PG + name, autocommit=True) as conn:
                conn.execute("CREATE EXTENSION postgis")
        return serve_and_measure(url, name, tmp, backend, args)
    finally:
        if name:
            with psycopg.connect(PG + "postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def report(results: list[Result], args: argparse.Namespace) -> None:
    """Print the backends side by side with the target and the ratio to it."""

    def row(label: str, cells: list[str]) -> None:
        print(f"{label:24s}" + "".join(f"{c:>24s}" for c in cells))

    fmt = "{:.2f}".format
    row("", [r.backend for r in results] + ["target (PostGIS)"])
    row("load generator", [r.load.tool for r in results])
    row("uvicorn workers", [str(r.workers) for r in results])
    row(
        "records/s",
        [f"{r.load.rate:.0f} ({r.load.rate / TARGET_RATE:.2f}×)" for r in results]
        + [f"≥{TARGET_RATE:.0f}"],
    )
    row("p50 ms", [f"{r.load.p50_ms:.1f}" for r in results])
    row(
        "p99 ms",
        [f"{r.load.p99_ms:.1f} ({r.load.p99_ms / TARGET_P99:.2f}×)" for r in results]
        + [f"≤{TARGET_P99:.0f}"],
    )
    row(
        "errors",
        [
            str(sum(r.load.errors.values())) + (f" {r.load.errors}" if r.load.errors else "")
            for r in results
        ],
    )
    row("server CPU ms/record", [fmt(r.app_ms) for r in results])
    row("DB CPU ms/record", ["-" if r.db_ms is None else fmt(r.db_ms) for r in results])
    row("load generator CPU ms/rec", [fmt(r.load.client_ms) for r in results])
    row("load avg (1m 5m)", [r.loadavg for r in results])
    row(
        "stored ≥ acknowledged",
        [
            f"{r.stored} ≥ {r.acknowledged}" + ("" if r.stored >= r.acknowledged else " LOST!")
            for r in results
        ],
    )
    print(
        f"({args.clients} clients, {args.seconds:.0f} s per backend, 2 cores shared; CPU per "
        "record is the server's own, independent of the load average)"
    )


def main() -> None:
    """Parse options and benchmark the chosen backends."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", choices=["postgis", "sqlite", "both"], default="both")
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--clients", type=int, default=64)
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers (PostGIS only)")
    p.add_argument("--pool", type=int, default=0, help="DB pool size per worker (0: setting)")
    p.add_argument(
        "--tool",
        choices=["auto", "wrk", "python"],
        default="auto",
        help="load generator (auto: wrk when installed)",
    )
    args = p.parse_args()
    results = [
        run(b, args) for b in (["postgis", "sqlite"] if args.backend == "both" else [args.backend])
    ]
    report(results, args)


if __name__ == "__main__":
    main()
