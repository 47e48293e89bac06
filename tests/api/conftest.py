"""Fixtures: the app on both backends (SpatiaLite in a tmp file, PostGIS in a fresh database),
a handful of square fixture cells in two communities, and one account per role."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import psycopg
import pytest
import shapely
from fastapi.testclient import TestClient
from sqlalchemy import select

from api.db import session_scope
from api.io.loaders import add_user, assign_leader, load_area, load_buildings, load_cells
from api.main import create_app
from api.models import LeaderAssignment, User
from api.settings import Settings
from api.store import make_store

# Base URL of the PostgreSQL server (a role that may create databases and the postgis extension);
# scripts/test.sh sets it, and WANGGE_REQUIRE_POSTGIS=1 turns "unreachable" into a failure.
PG = os.environ.get("WANGGE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/")
REQUIRE_POSTGIS = os.environ.get("WANGGE_REQUIRE_POSTGIS") == "1"
DISTRICT, STREET = "120101", "120101001"
C1, C2 = "120101001001", "120101001002"
X0, Y0, W = 117.20, 39.10, 0.01  # two communities side by side, each split north/south
VALID_FROM = datetime(2020, 1, 1, tzinfo=UTC)
PASSWORDS = {
    "admin": "a-pass",
    "street": "s-pass",
    "officer": "o-pass",
    "officer2": "o2-pass",
    "police": "p-pass",
}


def fixture_cells() -> gpd.GeoDataFrame:
    """Four square cells: C1 west (…001 north, …002 south) and C2 east likewise."""
    rows = []
    for k, comm in enumerate((C1, C2)):
        x = X0 + k * W
        rows.append((comm + "001", comm, shapely.box(x, Y0 + W / 2, x + W, Y0 + W)))
        rows.append((comm + "002", comm, shapely.box(x, Y0, x + W, Y0 + W / 2)))
    return gpd.GeoDataFrame(
        {"code": [r[0] for r in rows], "community_code": [r[1] for r in rows], "households": 150},
        geometry=[r[2] for r in rows],
        crs=4326,
    )


def postgis_available() -> str | None:
    """None when a PostgreSQL server answers, else why not."""
    try:
        with psycopg.connect(PG + "postgres", connect_timeout=3):
            return None
    except psycopg.Error as e:
        return f"PostgreSQL not reachable at {PG}: {e}"


def fresh_database(backend: str, tmp: Path) -> Iterator[str]:
    """A URL to a new empty database of ``backend``, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'wangge.sqlite'}"
        return
    reason = postgis_available()
    if reason:
        if REQUIRE_POSTGIS:
            pytest.fail(reason + " (WANGGE_REQUIRE_POSTGIS=1)")
        pytest.skip(reason)
    name = f"wangge_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG + "postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(PG + name, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    try:
        yield PG + name
    finally:
        with psycopg.connect(PG + "postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def seed(store) -> None:  # noqa: ANN001
    """Load the fixture area, cells, a few buildings and one account per role."""
    cells = fixture_cells()
    with session_scope(store.sessions) as s:
        load_area(
            s,
            "district",
            gpd.GeoDataFrame(
                {"code": [DISTRICT], "name": ["和平区"]},
                geometry=[shapely.box(X0, Y0, X0 + 2 * W, Y0 + W)],
                crs=4326,
            ),
        )
        load_area(
            s,
            "street",
            gpd.GeoDataFrame(
                {"code": [STREET], "name": ["劝业场街道"], "district_code": [DISTRICT]},
                geometry=[shapely.box(X0, Y0, X0 + 2 * W, Y0 + W)],
                crs=4326,
            ),
        )
        load_area(
            s,
            "community",
            gpd.GeoDataFrame(
                {"code": [C1, C2], "name": ["一社区", "二社区"], "street_code": [STREET, STREET]},
                geometry=[
                    shapely.box(X0, Y0, X0 + W, Y0 + W),
                    shapely.box(X0 + W, Y0, X0 + 2 * W, Y0 + W),
                ],
                crs=4326,
            ),
        )
        load_cells(s, cells, VALID_FROM)
        load_buildings(
            s,
            gpd.GeoDataFrame(
                {
                    "households": [40, 60],
                    "households_estimated": [True, False],
                    "cell_code": [C1 + "001", C2 + "002"],
                    "name": ["1号楼", "2号楼"],
                },
                geometry=[
                    shapely.box(X0 + 0.002, Y0 + 0.006, X0 + 0.003, Y0 + 0.007),
                    shapely.box(X0 + W + 0.002, Y0 + 0.002, X0 + W + 0.003, Y0 + 0.003),
                ],
                crs=4326,
            ),
        )
        add_user(s, "admin", PASSWORDS["admin"], "admin")
        add_user(s, "street", PASSWORDS["street"], "street", street_code=STREET)
        add_user(
            s,
            "officer",
            PASSWORDS["officer"],
            "officer",
            phone="13812345678",
            display_name="王网格",
        )
        add_user(s, "officer2", PASSWORDS["officer2"], "officer", phone="13900001111")
        add_user(s, "police", PASSWORDS["police"], "police")
        for code in cells.code:
            assign_leader(s, code, "officer" if code.startswith(C1) else "officer2", VALID_FROM)


@dataclass
class Api:
    """A TestClient with one cached token per user."""

    client: TestClient
    store: object
    backend: str
    tokens: dict[str, str] = field(default_factory=dict)

    def auth(self, user: str) -> dict[str, str]:
        """The Authorization header of ``user``."""
        if user not in self.tokens:
            r = self.client.post(
                "/api/v1/auth/token", data={"username": user, "password": PASSWORDS[user]}
            )
            assert r.status_code == 200, r.text
            self.tokens[user] = r.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def get(self, path: str, user: str, **kw):  # noqa: ANN003, ANN201
        """GET /api/v1{path} as ``user``."""
        return self.client.get("/api/v1" + path, headers=self.auth(user), **kw)

    def post(self, path: str, user: str, **kw):  # noqa: ANN003, ANN201
        """POST /api/v1{path} as ``user``."""
        return self.client.post("/api/v1" + path, headers=self.auth(user), **kw)

    def patch(self, path: str, user: str, **kw):  # noqa: ANN003, ANN201
        """PATCH /api/v1{path} as ``user``."""
        return self.client.patch("/api/v1" + path, headers=self.auth(user), **kw)

    def delete(self, path: str, user: str, **kw):  # noqa: ANN003, ANN201
        """DELETE /api/v1{path} as ``user``."""
        return self.client.delete("/api/v1" + path, headers=self.auth(user), **kw)

    def count(self, table: str) -> int:
        """Rows in ``table`` (to prove that refused input wrote nothing)."""
        from sqlalchemy import text

        with self.store.engine.connect() as conn:  # type: ignore[attr-defined]
            return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


@pytest.fixture(scope="session", params=["sqlite", "postgis"])
def api(request, tmp_path_factory) -> Iterator[Api]:  # noqa: ANN001
    """The app over fixture data on each backend, shared by the tests of a session."""
    tmp = tmp_path_factory.mktemp(request.param)
    gen = fresh_database(request.param, tmp)
    url = next(gen)
    settings = Settings(
        database_url=url,
        secret_key="test-secret-0123456789abcdef0123456789",
        photo_dir=tmp / "photos",
        data_key_file=tmp / "data_key",
        max_photo_bytes=200_000,
        max_body_bytes=300_000,
        web_dir=tmp / "no-web",
        generation_ttl=0.0,
    )
    store = make_store(settings)
    seed(store)
    with TestClient(create_app(settings, store)) as client:
        yield Api(client, store, request.param)
    store.engine.dispose()
    gen.close()


@pytest.fixture(params=["sqlite", "postgis"])
def cli_database(request, tmp_path, monkeypatch) -> Iterator[str]:  # noqa: ANN001
    """An empty database of each backend, set up (through the environment) as the one the
    ``wangge`` commands use; its URL."""
    from api.settings import get_settings

    gen = fresh_database(request.param, tmp_path)
    url = next(gen)
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("WANGGE_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("WANGGE_PHOTO_DIR", str(tmp_path / "photos"))
    monkeypatch.setenv("WANGGE_DATA_KEY_FILE", str(tmp_path / "data_key"))
    get_settings.cache_clear()
    try:
        yield url
    finally:
        get_settings.cache_clear()
        gen.close()


def former_leader(api) -> str:  # noqa: ANN001
    """An officer who led C2's north cell in 2020 only (beside its leader: the analytics tests' June
    2022 never sees them); their username."""
    name = "officer_past"
    with session_scope(api.store.sessions) as s:
        if s.scalar(select(User.id).where(User.username == name)) is None:
            add_user(s, name, "op-pass", "officer")
            s.flush()
            uid = s.scalar(select(User.id).where(User.username == name))
            assert uid is not None
            s.add(
                LeaderAssignment(
                    cell_code=C2 + "001",
                    user_id=uid,
                    started_at=datetime(2020, 1, 1, tzinfo=UTC),
                    ended_at=datetime(2021, 1, 1, tzinfo=UTC),
                )
            )
    PASSWORDS[name] = "op-pass"
    return name


def record_body(**over) -> dict:  # noqa: ANN003
    """A valid incident in the officer's first cell; fields overridable."""
    body = {
        "id": str(uuid.uuid4()),
        "kind": "incident",
        "category": "fire",
        "priority": "urgent",
        "description": "楼道堆放杂物",
        "occurred_at": "2024-05-01T08:00:00+08:00",
        "lon": X0 + 0.005,
        "lat": Y0 + 0.008,
    }
    body.update(over)
    return body
