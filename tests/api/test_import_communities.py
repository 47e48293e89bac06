"""``wangge import communities`` refuses a layer that is not sound (bad, duplicate or mismatched
codes, bad geometry, overlaps, parts outside the stored street, overlaps with the communities it
leaves stored), naming the file, each community (row and code) and the reason, and writes
nothing; the Heping sample passes. On SQLite and PostGIS alike."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from sqlalchemy import text

from api.cli.main import main as wangge
from api.db import make_engine, session_scope
from api.io.loaders import load_area
from api.store import open_store

DATA = Path(__file__).resolve().parents[2] / "data" / "boundaries"
S1, S2 = "120101001", "120101002"
C1, C2, C3 = S1 + "001", S1 + "002", S1 + "003"
X0, Y0, W = 117.20, 39.10, 0.01  # street S1 is three squares wide, S2 the square north of it


def area_file(path: Path, rows: list[tuple[str, shapely.Geometry]], **cols: list[str]) -> Path:
    """A GeoJSON of areas from (code, geometry) rows and extra columns."""
    gpd.GeoDataFrame(
        {"code": [r[0] for r in rows], "name": [f"社区{r[0][-3:]}" for r in rows], **cols},
        geometry=[r[1] for r in rows],
        crs=4326,
    ).to_file(path)
    return path


def square(k: int, row: int = 0) -> shapely.Polygon:
    """The k-th square of side W east of (X0, Y0), ``row`` squares north."""
    return shapely.box(X0 + k * W, Y0 + row * W, X0 + (k + 1) * W, Y0 + (row + 1) * W)


def load_streets(streets: gpd.GeoDataFrame, district: gpd.GeoDataFrame) -> None:
    """Store a district and its street polygons, as the demo load does (there is no street
    import command)."""
    store = open_store()
    try:
        with session_scope(store.sessions) as s:
            load_area(s, "district", district)
            load_area(s, "street", streets)
    finally:
        store.engine.dispose()


def snapshot(url: str) -> tuple[list[tuple[str, str, str, str]], int, int]:
    """(communities as (code, street_code, name, WKT), streets, districts) in the database."""
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            comms = conn.execute(text(
                "SELECT code, street_code, name, ST_AsText(geom) FROM communities ORDER BY code"
            )).all()
            streets = conn.execute(text("SELECT count(*) FROM streets")).scalar_one()
            districts = conn.execute(text("SELECT count(*) FROM districts")).scalar_one()
            return [tuple(r) for r in comms], streets, districts
    finally:
        engine.dispose()


@pytest.fixture
def cli_db(cli_database) -> str:  # noqa: ANN001
    """The ``wangge`` commands' empty database of each backend."""
    return cli_database


@pytest.fixture
def with_streets(cli_db) -> str:  # noqa: ANN001
    """The database with district 120101, street S1 (three squares) and S2 (north of them),
    and communities C1, C2 on S1's first two squares, imported by the command."""
    district = gpd.GeoDataFrame({"code": ["120101"], "name": ["和平区"]},
                                geometry=[shapely.box(X0, Y0, X0 + 3 * W, Y0 + 2 * W)], crs=4326)
    streets = gpd.GeoDataFrame(
        {"code": [S1, S2], "name": ["劝业场街道", "小白楼街道"], "district_code": ["120101"] * 2},
        geometry=[shapely.box(X0, Y0, X0 + 3 * W, Y0 + W), shapely.box(X0, Y0 + W, X0 + 3 * W,
                                                                       Y0 + 2 * W)],
        crs=4326,
    )
    load_streets(streets, district)
    return cli_db


def test_import_communities_refuses_a_bad_layer_and_writes_nothing(with_streets, tmp_path,
                                                                   capsys):
    good = area_file(tmp_path / "good.geojson", [(C1, square(0)), (C2, square(1))])
    assert wangge(["import", "communities", str(good)]) == 0
    before = snapshot(with_streets)
    assert [c[0] for c in before[0]] == [C1, C2] and before[1:] == (2, 1)

    rows = [
        (C1, shapely.box(X0, Y0, X0 + 1.2 * W, Y0 + W)),  # 0.2 W into C2, and replaces C1
        (C2, square(1)),
        (C2, square(2)),  # a second C2
        ("12010100104", square(2)),  # 11 digits, on the duplicate's square
        (C3, shapely.box(X0 + 2 * W, Y0, X0 + 3 * W, Y0 + 1.5 * W)),  # half into S2
        ("120101003001", square(2, row=1)),  # street 120101003 is not stored: a new placeholder
    ]
    bad = area_file(tmp_path / "drawn_by_hand.geojson", rows,
                    street_code=[S1, S1, S1, S1, S1, S2])
    capsys.readouterr()
    assert wangge(["import", "communities", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}: communities are not a sound layer (")
    assert err.count(str(bad)) == 1  # the file is named once
    assert f"row 1 (community {C1}): overlaps community {C2} (row 2) by " in err
    assert f"row 3 (community {C2}): duplicate code {C2} (also row 1)" not in err
    assert f"row 3 (community {C2}): duplicate code {C2} (also row 2)" in err
    assert "row 4 (community 12010100104): code 12010100104 is not 12 digits" in err
    assert f"row 3 (community {C2}): overlaps community 12010100104 (row 4) by " in err
    assert f"row 5 (community {C3}): lies " in err and f"outside its street {S1}" in err
    assert (f"row 6 (community 120101003001): code prefix 120101003 does not match "
            f"street_code {S2}") in err
    assert snapshot(with_streets) == before  # no community, street or district written


def test_import_communities_refuses_an_overlap_with_a_community_it_leaves_stored(
    with_streets, tmp_path, capsys
):
    assert wangge(["import", "communities",
                   str(area_file(tmp_path / "c.geojson", [(C1, square(0)), (C2, square(1))]))]) == 0
    before = snapshot(with_streets)
    # C3 drawn over the east half of the stored C2, which this file does not replace.
    wide = area_file(tmp_path / "c3.geojson",
                     [(C3, shapely.box(X0 + 1.5 * W, Y0, X0 + 3 * W, Y0 + W))])
    capsys.readouterr()
    assert wangge(["import", "communities", str(wide)]) == 2
    err = capsys.readouterr().err
    assert f"{wide}: communities are not a sound layer (1 problem):" in err
    assert f"row 1 (community {C3}): overlaps existing community {C2} by " in err
    assert snapshot(with_streets) == before
    # Replacing C2 by a narrower one in the same file makes room: both go in.
    fits = area_file(tmp_path / "fits.geojson", [
        (C2, shapely.box(X0 + W, Y0, X0 + 1.5 * W, Y0 + W)),
        (C3, shapely.box(X0 + 1.5 * W, Y0, X0 + 3 * W, Y0 + W)),
    ])
    assert wangge(["import", "communities", str(fits)]) == 0
    assert [c[0] for c in snapshot(with_streets)[0]] == [C1, C2, C3]


def test_import_communities_reimport_and_unknown_streets_pass(cli_db, tmp_path):
    """Without stored street polygons only the layer itself is checked; re-importing the same
    file replaces the communities rather than overlapping them."""
    path = area_file(tmp_path / "c.geojson", [(C1, square(0)), (C2, square(1))])
    assert wangge(["import", "communities", str(path)]) == 0
    assert wangge(["import", "communities", str(path)]) == 0
    comms, streets, districts = snapshot(cli_db)
    assert [c[:2] for c in comms] == [(C1, S1), (C2, S1)] and (streets, districts) == (1, 1)


@pytest.mark.slow
def test_heping_sample_communities_import_within_their_streets(cli_db, capsys):
    load_streets(
        gpd.read_file(DATA / "heping_streets.geojson"),
        gpd.read_file(DATA / "heping_district.geojson"),
    )
    path = DATA / "heping_communities.geojson"
    assert wangge(["import", "communities", str(path)]) == 0, capsys.readouterr().err
    assert wangge(["import", "communities", str(path)]) == 0, capsys.readouterr().err
    comms, streets, _ = snapshot(cli_db)
    assert len(comms) == 67 and streets == 6


def test_codes_are_read_as_the_check_reads_them(cli_db, tmp_path):
    # a stray space around a code, and a street_code column with nothing in it (read as numbers
    # with gaps, i.e. NaN): stored as the clean code under the street its code names
    path = area_file(tmp_path / "spaces.geojson", [(f" {C1} ", square(0)), (C2, square(1))],
                     street_code=[np.nan, np.nan])
    assert wangge(["import", "communities", str(path)]) == 0
    comms, _, _ = snapshot(cli_db)
    assert [(c[0], c[1]) for c in comms] == [(C1, S1), (C2, S1)]
