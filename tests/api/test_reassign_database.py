"""``wangge reassign --database`` after a redraw, on SQLite and PostGIS: interrupted after one
batch and resumed, every record ends in the cell in force at its time (as the server's cell cache
locates it) and the heat tables equal a rebuild from the records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import geopandas as gpd
import numpy as np
import shapely
from conftest import C1, C2, X0, Y0, W, seed
from sqlalchemy import select

from api.analytics import heatagg
from api.analytics.seed import _record
from api.areas.cellcache import CellCache
from api.cli.main import main as wangge
from api.db import session_scope
from api.io.loaders import load_cells
from api.models import Record, User
from api.records.reassign import reassign_stored
from api.store import open_store

REDRAW = datetime(2023, 1, 1, tzinfo=UTC)


def east_west_cells() -> gpd.GeoDataFrame:
    """The redraw: each community cut west/east instead of north/south."""
    rows = []
    for k, comm in enumerate((C1, C2)):
        x = X0 + k * W
        rows.append((comm + "003", comm, shapely.box(x, Y0, x + W / 2, Y0 + W)))
        rows.append((comm + "004", comm, shapely.box(x + W / 2, Y0, x + W, Y0 + W)))
    return gpd.GeoDataFrame({"code": [r[0] for r in rows], "community_code": [r[1] for r in rows],
                             "households": 150}, geometry=[r[2] for r in rows], crs=4326)


def add_records(store, n: int) -> None:  # noqa: ANN001
    """``n`` records over 2021–2024, located (as written then) in the cells before the redraw."""
    rng = np.random.default_rng(7)
    with session_scope(store.sessions) as s:
        store.cells.refresh(s)
        author = s.scalars(select(User.id).where(User.username == "admin")).one()
        for i in range(n):
            lon = X0 + rng.uniform(0.0005, 2 * W - 0.0005)
            lat = Y0 + rng.uniform(0.0005, W - 0.0005)
            at = datetime(2021, 1, 1, tzinfo=UTC) + timedelta(days=int(rng.integers(0, 1400)))
            where = store.cells.locate(lon, lat, at)
            s.add(_record(uuid.UUID(int=i + 1), "incident", "fire", at, lon, lat, where, author))


def test_reassign_database_resumed_after_an_interruption_equals_a_rebuild(
        cli_database, tmp_path, capsys) -> None:  # noqa: ANN001
    store = open_store()
    seed(store)
    add_records(store, 120)
    with session_scope(store.sessions) as s:
        load_cells(s, east_west_cells(), REDRAW)
    state = tmp_path / "reassign.state"
    first = reassign_stored(store, batch=25, state=state, stop_after=1)  # interrupted
    assert (first.scanned, first.finished) == (25, False) and state.exists()
    capsys.readouterr()
    assert wangge(["reassign", "--database", "--batch", "25", "--state", str(state)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("resumed: 95 records in 4 batches") and not state.exists()

    fresh = CellCache(store.settings.h3_resolution)
    with session_scope(store.sessions) as s:
        fresh.refresh(s)
        records = list(s.scalars(select(Record)))
        moved = 0
        for r in records:
            where = fresh.locate(r.lon, r.lat, r.occurred_at)
            assert (r.cell_code, r.community_code, r.h3) == \
                (where.cell_code, where.community_code, where.h3)
            moved += r.occurred_at >= REDRAW
        assert 0 < moved < len(records) == 120
    with store.engine.begin() as conn:
        kept = heatagg.snapshot(conn)
        heatagg.rebuild(conn)
        rebuilt = heatagg.snapshot(conn)
    for name, table in rebuilt.items():
        assert len(table) and kept[name].equals(table), name


def test_reassign_database_refuses_file_options(cli_database, capsys) -> None:  # noqa: ANN001
    assert wangge(["reassign", "--database", "--out", "x.parquet"]) == 2
    assert "--database takes no" in capsys.readouterr().err
