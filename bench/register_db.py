"""The whole register import on SQLite: 130k households / ~350k people (bench/register_import.py's
synthetic district file) read, checked against the stored buildings and residents, encrypted and
loaded in one transaction, as ``wangge import register`` does it, against pandas' plain
``read_csv`` of the same file. Target (DESIGN §8): ≤ 60 s for the whole import.

    .venv/bin/python bench/register_db.py [--households 130000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
from sqlalchemy import insert, select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from register_import import generate  # noqa: E402

from api.db import session_scope  # noqa: E402
from api.io.loaders import load_buildings  # noqa: E402
from api.models import Building, RegisterAddress  # noqa: E402
from api.register import imports  # noqa: E402
from api.register.crypto import cipher_for  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.store import make_store  # noqa: E402
from grid.register.addresses import normalise_addresses  # noqa: E402


def store_buildings(store, path: Path) -> None:  # noqa: ANN001
    """The district's buildings and their standard addresses in the store."""
    b = gpd.read_file(path)
    with session_scope(store.sessions) as s:
        load_buildings(s, b)
        ids = dict(s.execute(select(Building.source_id, Building.id)).all())
        normal = normalise_addresses(b["address"])
        s.execute(
            insert(RegisterAddress.__table__),
            [  # type: ignore[arg-type]
                {"building_id": ids[str(i)], "address": a, "text": t}
                for i, a, t in zip(b["id"], normal, b["address"], strict=True)
                if a
            ],
        )


def main() -> None:
    """Generate, load the buildings, then time the import and pandas' read."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--households", type=int, default=130_000)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = generate(folder, args.households, xlsx=False)
        settings = Settings(
            database_url=f"sqlite:///{folder / 'bench.sqlite'}",
            secret_key="k" * 40,
            photo_dir=folder / "photos",
            data_key_file=folder / "data_key",
            web_dir=folder / "no-web",
        )
        store = make_store(settings)
        store_buildings(store, paths["buildings"])
        cipher = cipher_for(settings)
        start = time.perf_counter()
        with store.sessions() as s:
            check, buildings = imports.check_file(s, cipher, paths["csv"], None)
            checked = time.perf_counter() - start
            assert not check.problems, check.problems[:5]
            loaded = imports.load(s, cipher, check, buildings)
            s.commit()
        ours = time.perf_counter() - start
        start = time.perf_counter()
        rows = len(pd.read_csv(paths["csv"]))
        peer = time.perf_counter() - start
    print(f"rows {rows}, households {loaded.households}, persons {loaded.persons}")
    print(f"ours: read+check {checked:.1f} s, whole import {ours:.1f} s (target <= 60 s)")
    print(
        f"peer: pandas read_csv {peer:.1f} s; ratio ours/peer {ours / peer:.0f}x "
        f"(load average {os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
