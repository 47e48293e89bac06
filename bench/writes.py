"""Write throughput: 64 concurrent clients creating records against a running server.

Starts uvicorn in a subprocess on a fresh database (PostGIS, and/or embedded SpatiaLite), then
drives it from this process with httpx async clients for --seconds and prints records/s and
p50/p99 latency. Target (DESIGN §8): ≥1000 records/s with p99 ≤50 ms on PostGIS.

    .venv/bin/python bench/writes.py --backend postgis --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import httpx
import numpy as np
import psycopg
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.db import session_scope  # noqa: E402
from api.loaders import add_user, assign_leader, load_area, load_cells  # noqa: E402
from api.main import make_store  # noqa: E402
from api.settings import Settings  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432/"
X0, Y0, W = 117.20, 39.10, 0.01
COMMUNITY = "120101001001"


def free_port() -> int:
    """An unused local TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(url: str, tmp: Path) -> None:
    """Migrate the database and load 16 square cells, all led by one officer."""
    store = make_store(Settings(database_url=url, secret_key="b" * 40, photo_dir=tmp))
    cells = [
        (
            f"{COMMUNITY}{i + 1:03d}",
            shapely.box(
                X0 + (i % 4) * W / 4,
                Y0 + (i // 4) * W / 4,
                X0 + (i % 4 + 1) * W / 4,
                Y0 + (i // 4 + 1) * W / 4,
            ),
        )
        for i in range(16)
    ]
    box = shapely.box(X0, Y0, X0 + W, Y0 + W)
    with session_scope(store.sessions) as s:
        load_area(s, "district", gpd.GeoDataFrame({"code": ["120101"]}, geometry=[box], crs=4326))
        load_area(
            s,
            "street",
            gpd.GeoDataFrame(
                {"code": ["120101001"], "district_code": ["120101"]}, geometry=[box], crs=4326
            ),
        )
        load_area(
            s,
            "community",
            gpd.GeoDataFrame(
                {"code": [COMMUNITY], "street_code": ["120101001"]}, geometry=[box], crs=4326
            ),
        )
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


def body(rng: random.Random) -> dict:
    """A random incident inside the bench cells."""
    return {
        "id": str(uuid.uuid4()),
        "kind": "incident",
        "category": "traffic",
        "priority": "routine",
        "description": "bench",
        "occurred_at": datetime.now(UTC).isoformat(),
        "lon": X0 + rng.uniform(1e-4, W - 1e-4),
        "lat": Y0 + rng.uniform(1e-4, W - 1e-4),
    }


async def client_loop(
    base: str, token: str, stop: float, lat: list[float], errors: list[int], seed: int
) -> None:
    """One client creating records back to back until ``stop``."""
    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=30) as client:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            r = await client.post("/api/v1/records", json=body(rng))
            if r.status_code == 201:
                lat.append(time.perf_counter() - t0)
            else:
                errors.append(r.status_code)


async def drive(base: str, clients: int, seconds: float) -> tuple[float, np.ndarray, list[int]]:
    """Run ``clients`` concurrent writers for ``seconds``; records/s, latencies, error codes."""
    async with httpx.AsyncClient(base_url=base) as c:
        r = await c.post("/api/v1/auth/token", data={"username": "bench", "password": "bench-pass"})
        token = r.json()["access_token"]
    lat: list[float] = []
    errors: list[int] = []
    start = time.perf_counter()
    await asyncio.gather(
        *(client_loop(base, token, start + seconds, lat, errors, i) for i in range(clients))
    )
    elapsed = time.perf_counter() - start
    return len(lat) / elapsed, np.asarray(lat), errors


def serve_and_drive(
    url: str, tmp: Path, backend: str, args: argparse.Namespace
) -> tuple[float, np.ndarray, list[int], int]:
    """Prepare the database, start uvicorn on it and drive it; always stops the server."""
    prepare(url, tmp)
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "WANGGE_SECRET_KEY": "b" * 40,
        "WANGGE_PHOTO_DIR": str(tmp),
        "WANGGE_DB_POOL_SIZE": str(args.pool),
    }
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
        for _ in range(200):
            try:
                if httpx.get(base + "/api/v1/meta", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        asyncio.run(drive(base, args.clients, 2.0))  # warm-up: pools, caches, indexes
        rate, lat, errors = asyncio.run(drive(base, args.clients, args.seconds))
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rate, lat, errors, workers


def run(backend: str, args: argparse.Namespace) -> None:
    """Benchmark one backend end to end and print the figures."""
    tmp = Path(tempfile.mkdtemp(prefix="wangge-bench-"))
    name = f"wangge_bench_{uuid.uuid4().hex[:8]}"
    if backend == "postgis":
        with psycopg.connect(PG + "postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(PG + name, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION postgis")
        url = PG + name
    else:
        url = f"sqlite:///{tmp / 'bench.sqlite'}"
    try:
        rate, lat, errors, workers = serve_and_drive(url, tmp, backend, args)
    finally:
        if backend == "postgis":
            with psycopg.connect(PG + "postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    p50, p99 = (np.percentile(lat, [50, 99]) * 1000) if lat.size else (float("nan"),) * 2
    print(
        f"{backend:8s} workers={workers} clients={args.clients} {args.seconds:.0f}s: "
        f"{rate:7.0f} records/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  "
        f"errors {len(errors)}{' ' + str(sorted(set(errors))) if errors else ''}"
    )


def main() -> None:
    """Parse options and benchmark the chosen backends."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", choices=["postgis", "sqlite", "both"], default="both")
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--clients", type=int, default=64)
    p.add_argument("--workers", type=int, default=2, help="uvicorn workers (PostGIS only)")
    p.add_argument("--pool", type=int, default=16, help="DB pool size per worker")
    args = p.parse_args()
    for backend in ["postgis", "sqlite"] if args.backend == "both" else [args.backend]:
        run(backend, args)


if __name__ == "__main__":
    main()
