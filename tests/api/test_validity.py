""" "Valid at time t" is one rule, [from, to), for cell versions and leader assignments alike: the
SQL expressions (``Cell.valid_at``, ``Cell.valid_during``, ``LeaderAssignment.active_at``), the
Python check (``in_force``: the cell cache, a scope's assignments) and every endpoint built on
them agree at the very instant a version ends and the next begins, on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import geopandas as gpd
import pytest
import shapely
from conftest import C1, C2, X0, Y0, Api, W, fresh_database, seed
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.accounts.access import load_scope
from api.areas.leaders import leader_names, leaders_at
from api.db import session_scope
from api.errors import InvalidInput
from api.io.loaders import assign_leader, load_cells
from api.main import create_app
from api.models import Cell, LeaderAssignment, User, utcnow
from api.models.areas import in_force
from api.settings import Settings
from api.store import make_store

T = datetime(2024, 3, 1, tzinfo=UTC)  # C1 is redrawn as one cell …003 from this instant
TICK = timedelta(microseconds=1)
OLD = {C1 + "001", C1 + "002", C2 + "001", C2 + "002"}
NEW = {C1 + "003", C2 + "001", C2 + "002"}


@pytest.fixture(params=["sqlite", "postgis"])
def fresh(request, tmp_path) -> Iterator[Api]:  # noqa: ANN001
    """The app over its own copy of the fixture data (these tests redraw and reassign)."""
    gen = fresh_database(request.param, tmp_path)
    url = next(gen)
    settings = Settings(
        database_url=url,
        secret_key="test-secret-0123456789abcdef0123456789",
        photo_dir=tmp_path / "photos",
        web_dir=tmp_path / "no-web",
        generation_ttl=0.0,
    )
    store = make_store(settings)
    seed(store)
    try:
        with TestClient(create_app(settings, store)) as client:
            yield Api(client, store, request.param)
    finally:
        store.engine.dispose()
        gen.close()


def redraw_c1(api: Api, at: datetime) -> None:
    """Replace community C1's two cells by one cell …003 from ``at``."""
    cells = gpd.GeoDataFrame(
        {"code": [C1 + "003"], "community_code": [C1], "households": [300]},
        geometry=[shapely.box(X0, Y0, X0 + W, Y0 + W)],
        crs=4326,
    )
    with session_scope(api.store.sessions) as s:  # type: ignore[attr-defined]
        load_cells(s, cells, at)


def iso(at: datetime) -> str:
    """A moment as the query parameters take it."""
    return at.isoformat().replace("+00:00", "Z")


def test_in_force_is_half_open():
    assert in_force(T, None, T) and in_force(T, T + TICK, T)
    assert not in_force(T, None, T - TICK) and not in_force(T - TICK, T, T)


def test_a_redrawn_cell_ends_where_the_next_begins_in_sql_python_and_endpoints(fresh: Api):
    redraw_c1(fresh, T)
    store = fresh.store
    with store.sessions() as s:  # type: ignore[attr-defined]
        store.cells.refresh(s)  # type: ignore[attr-defined]
        for at, want in ((T - TICK, OLD), (T, NEW), (T + TICK, NEW)):
            sql = set(s.scalars(select(Cell.code).where(Cell.valid_at(at))))
            cache = {r.code for r in store.cells.rows_valid_at(at)}  # type: ignore[attr-defined]
            assert sql == cache == want, at
        spans = [(c.valid_from, c.valid_to) for c in s.scalars(select(Cell))]
        assert sum(in_force(a, b, T) for a, b in spans) == len(NEW)
    for at, want in ((T - timedelta(seconds=1), OLD), (T, NEW)):
        got = fresh.get("/cells", "admin", params={"at": iso(at)}).json()["features"]
        assert {f["id"] for f in got} == want
        csv = fresh.get("/export/cells", "admin", params={"to": iso(at), "format": "csv"})
        assert csv.status_code == 200, csv.text
        assert {c for c in OLD | NEW if c in csv.text} == want
    # a period [from, to) holds the versions whose span overlaps it, and no more
    for start, end, want in ((T - timedelta(hours=1), T, OLD), (T, T + timedelta(hours=1), NEW)):
        r = fresh.get("/stats/counts", "admin", params={"from": iso(start), "to": iso(end)})
        assert {row["cell_code"] for row in r.json()["counts"]} == want


def test_a_new_leader_takes_over_at_the_instant_the_old_one_leaves(fresh: Api):
    handover = T + timedelta(days=1)
    cell = C1 + "001"
    with session_scope(fresh.store.sessions) as s:  # type: ignore[attr-defined]
        assign_leader(s, cell, "officer2", handover)
    with fresh.store.sessions() as s:  # type: ignore[attr-defined]
        for at, who in ((handover - TICK, "officer"), (handover, "officer2")):
            assert leaders_at(s, at, [cell])[cell].username == who
            assert leader_names(s, at)[cell] == who
            sql = set(
                s.scalars(
                    select(User.username)
                    .join(LeaderAssignment, LeaderAssignment.user_id == User.id)
                    .where(LeaderAssignment.cell_code == cell, LeaderAssignment.active_at(at))
                )
            )
            scopes = {
                u.username
                for u in s.scalars(select(User).where(User.role == "officer"))
                if load_scope(s, u).led_at(cell, at)
            }
            assert sql == scopes == {who}
        assert leaders_at(s, handover, []) == {}
    for at, who in ((handover - timedelta(seconds=1), "officer"), (handover, "officer2")):
        got = fresh.get("/cells", "admin", params={"at": iso(at)}).json()["features"]
        leader = {f["id"]: f["properties"]["leader"] for f in got}[cell]
        assert leader["username"] == who


def test_now_means_in_force_for_reads_and_latest_for_writes(fresh: Api):
    """A redraw loaded ahead of time: the map, exports and point lookup keep the cells in force
    now, while a leader can already be assigned to the coming cell and no longer to a cell that
    redraw closes. Both rules were there before the refactoring; they stay distinct on purpose."""
    later = utcnow() + timedelta(days=1)
    redraw_c1(fresh, later)
    got = fresh.get("/cells", "admin").json()["features"]
    assert {f["id"] for f in got} == OLD
    assert (
        fresh.get("/cells/locate", "admin", params={"lon": X0 + 0.005, "lat": Y0 + 0.008}).json()[
            "cell_code"
        ]
        == C1 + "001"
    )
    with session_scope(fresh.store.sessions) as s:  # type: ignore[attr-defined]
        assign_leader(s, C1 + "003", "officer", later)
    with pytest.raises(InvalidInput), session_scope(fresh.store.sessions) as s:  # type: ignore[attr-defined]
        assign_leader(s, C1 + "001", "officer2", later)
