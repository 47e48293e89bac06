"""OGC API – Features on PostGIS: a page of 1000 buildings from ``/ogcapi`` against the plain
JSON ``/api/v1/buildings`` endpoint, same server, same user, same 1000 buildings.

The sample district (``wangge serve --demo``'s Heping: its communities, 3754 buildings,
partitioned into cells) is loaded into a temporary PostGIS database; a real uvicorn server (one
worker) answers; the client asks pages at several offsets (the OGC side) and the first 1000
buildings (the plain side, which has no paging), as admin, and times whole HTTP round trips.
Target (DESIGN §8): p50 ≤ 100 ms for the OGC page. Prints both p50/p99 and the ratio.

    WANGGE_TEST_PG=postgresql://wangge:wangge@127.0.0.1:5432/ \
        .venv/bin/python bench/ogcapi.py [--repeat 40]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.io.demo import load_demo  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.store import make_store  # noqa: E402
from tests.web.conftest import running_server  # noqa: E402

PG = os.environ.get("WANGGE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/")
PAGE = 1000


def timed(client: httpx.Client, url: str, params: dict[str, str], repeat: int) -> np.ndarray:
    """Milliseconds of ``repeat`` GETs of ``url`` until the answer is fully read (the client's
    JSON parsing after that is not counted; the answer is checked)."""
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = client.get(url, params=params)  # the whole body is read: the server's full answer
        out.append((time.perf_counter() - t0) * 1000)
        r.raise_for_status()
        assert len(r.json()["features"]) == PAGE, "the district has fewer buildings than a page"
    return np.array(out)


def run(base: str, repeat: int) -> None:
    """Warm both endpoints, time them alternately, print p50/p99 and the ratio."""
    with httpx.Client(base_url=base, timeout=120) as client:
        form = {"username": "admin", "password": "wangge-admin"}
        token = client.post("/api/v1/auth/token", data=form).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        matched = client.get("/ogcapi/collections/buildings/items", params={"limit": "1"})
        total = matched.json()["numberMatched"]
        offsets = [str(o) for o in range(0, max(total - PAGE, 1), 500)]
        ogc_url, plain_url = "/ogcapi/collections/buildings/items", "/api/v1/buildings"
        for _ in range(3):  # warm caches, pools and the scope cache on both sides
            timed(client, ogc_url, {"limit": str(PAGE)}, 1)
            timed(client, plain_url, {"limit": str(PAGE)}, 1)
        ogc, plain = [], []
        for i in range(repeat):
            params = {"limit": str(PAGE), "offset": offsets[i % len(offsets)]}
            ogc.extend(timed(client, ogc_url, params, 1))
            plain.extend(timed(client, plain_url, {"limit": str(PAGE)}, 1))
    o, p = np.array(ogc), np.array(plain)
    print(f"{total} buildings in the district; pages of {PAGE}, {repeat} requests each")
    for label, a in (("/ogcapi items     ", o), ("/api/v1/buildings ", p)):
        print(f"  {label} p50 {np.percentile(a, 50):7.1f} ms   p99 {np.percentile(a, 99):7.1f} ms")
    print(f"  ratio (plain / ogc) p50 {np.percentile(p, 50) / np.percentile(o, 50):.2f}x"
          f"   target: ogc p50 <= 100 ms")  # fmt: skip
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    """Make the database, load the demo, serve it and time both endpoints."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=40)
    args = ap.parse_args()
    name = f"wangge_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG + "postgres", autocommit=True) as c:
        c.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(PG + name, autocommit=True) as c:
            c.execute("CREATE EXTENSION postgis")
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(database_url=PG + name, secret_key="k" * 40,
                                photo_dir=Path(tmp) / "photos")  # fmt: skip
            store = make_store(settings)
            t0 = time.perf_counter()
            load_demo(store)
            store.engine.dispose()
            print(f"demo load: {time.perf_counter() - t0:.0f} s")
            with running_server(Path(tmp), PG + name) as base:
                run(base, args.repeat)
    finally:
        with psycopg.connect(PG + "postgres", autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
