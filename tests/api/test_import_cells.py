"""``wangge import cells`` refuses a layer that does not tile its communities, naming the file,
each cell (row and code) and the reason, and writes nothing; on SQLite and PostGIS alike."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import text

from api.cli.main import main as wangge
from api.db import make_engine

C1, C2 = "120101001001", "120101001002"
X0, Y0, W = 117.20, 39.10, 0.01  # two communities side by side, each cut in two halves


def communities_file(path: Path) -> Path:
    """A GeoJSON of two square communities."""
    gpd.GeoDataFrame(
        {"code": [C1, C2], "name": ["一社区", "二社区"]},
        geometry=[shapely.box(X0, Y0, X0 + W, Y0 + W), shapely.box(X0 + W, Y0, X0 + 2 * W, Y0 + W)],
        crs=4326,
    ).to_file(path)
    return path


def cells_file(path: Path, rows: list[tuple[str, shapely.Geometry]]) -> Path:
    """A GeoJSON of cells from (code, geometry) rows; community_code comes from the code."""
    gpd.GeoDataFrame(
        {"code": [r[0] for r in rows], "households": 150},
        geometry=[r[1] for r in rows],
        crs=4326,
    ).to_file(path)
    return path


def good_rows() -> list[tuple[str, shapely.Geometry]]:
    """Each community cut north/south; C1's shared edge carries an extra vertex in one cell
    only, nudged by float noise, so the edges are not bit-identical."""
    mid = Y0 + W / 2
    north = shapely.Polygon([(X0, mid), (X0 + W / 2, mid + 1e-12), (X0 + W, mid),
                             (X0 + W, Y0 + W), (X0, Y0 + W)])
    return [
        (C1 + "001", north),
        (C1 + "002", shapely.box(X0, Y0, X0 + W, mid)),
        (C2 + "001", shapely.box(X0 + W, mid, X0 + 2 * W, Y0 + W)),
        (C2 + "002", shapely.box(X0 + W, Y0, X0 + 2 * W, mid)),
    ]


def cell_counts(url: str) -> tuple[int, int]:
    """(all cell versions, current cells) in the database."""
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            total = conn.execute(text("SELECT count(*) FROM cells")).scalar_one()
            current = conn.execute(text("SELECT count(*) FROM cells WHERE valid_to IS NULL"))
            return total, current.scalar_one()
    finally:
        engine.dispose()


@pytest.fixture
def cli_db(cli_database, tmp_path) -> str:  # noqa: ANN001
    """The ``wangge`` commands' database of each backend, with two communities imported."""
    assert wangge(["import", "communities", str(communities_file(tmp_path / "c.geojson"))]) == 0
    return cli_database


def test_import_cells_refuses_a_bad_tiling_and_writes_nothing(cli_db, tmp_path, capsys):
    good = cells_file(tmp_path / "good.geojson", good_rows())
    assert wangge(["import", "cells", str(good)]) == 0
    assert cell_counts(cli_db) == (4, 4)

    rows = good_rows()
    rows[0] = (C1 + "001", shapely.box(X0, Y0 + W / 2, X0 + W, Y0 + W + 0.001))  # north of C1
    rows[1] = (C1 + "001", shapely.box(X0, Y0, X0 + W * 0.8, Y0 + W / 2))  # duplicate; gap east
    rows[3] = (C2 + "02", rows[3][1])  # a 14-digit code
    rows.append(("120101001009001", shapely.box(X0, Y0, X0 + W / 2, Y0 + W / 2)))  # unknown
    bad = cells_file(tmp_path / "drawn_by_hand.geojson", rows)
    capsys.readouterr()
    assert wangge(["import", "cells", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{bad}: cells do not tile their communities (")
    assert err.count(str(bad)) == 1  # the file is named once, not twice
    assert f"row 1 (cell {C1}001): lies " in err and f"outside its community {C1}" in err
    assert f"row 2 (cell {C1}001): duplicate code {C1}001 (also row 1)" in err
    assert f"row 4 (cell {C2}02): code {C2}02 is not 15 digits" in err
    assert "row 5 (cell 120101001009001): community_code 120101001009 is not a known" in err
    assert f"row 2 (cell {C1}001): overlaps cell 120101001009001 (row 5) by " in err
    assert f"of community {C1} uncovered near (" in err
    assert cell_counts(cli_db) == (4, 4)  # the refused file neither added nor closed a cell


def test_import_cells_of_an_unknown_community_is_refused(cli_db, tmp_path, capsys):
    lost = cells_file(tmp_path / "lost.geojson",
                      [("120101002001001", shapely.box(X0, Y0, X0 + W, Y0 + W))])
    capsys.readouterr()
    assert wangge(["import", "cells", str(lost)]) == 2
    err = capsys.readouterr().err
    assert f"{lost}: cells do not tile their communities (1 problem):" in err
    assert "row 1 (cell 120101002001001): community_code 120101002001 is not a known" in err
    assert cell_counts(cli_db) == (0, 0)


def test_a_cell_without_a_code_is_named_missing_not_stored_under_nan(cli_db, tmp_path, capsys):
    rows = good_rows()
    path = tmp_path / "no-code.geojson"
    gpd.GeoDataFrame({"code": [r[0] for r in rows[:-1]] + [None], "households": 150},
                     geometry=[r[1] for r in rows], crs=4326).to_file(path)
    assert wangge(["import", "cells", str(path)]) == 2
    err = capsys.readouterr().err
    assert "row 4 (no code)" in err and "nan" not in err.lower()
    assert cell_counts(cli_db) == (0, 0)
