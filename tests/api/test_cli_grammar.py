"""The ``wangge`` grammar is consistent: ``wangge import roads FILE`` works like the other imports
(``file: reason`` naming the feature, exit 2, nothing written on bad input), the old spelling
``wangge roads import FILE`` stays as an alias that says so, and every command that writes a file
refuses an unwritable path with exit 2 instead of a traceback. Runs ``python -m api.cli.main`` in
a subprocess with this checkout on PYTHONPATH (the console script imports the installed copy)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINE = [[117.2, 39.1], [117.21, 39.1]]


def layer(path: Path, *geometries: dict) -> Path:
    """A GeoJSON file of ``geometries`` (each a residential road) at ``path``."""
    features = [
        {"type": "Feature", "properties": {"highway": "residential"}, "geometry": g}
        for g in geometries
    ]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.fixture()
def wangge(tmp_path: Path):  # noqa: ANN201
    """Run ``wangge ARGS...`` on a fresh SQLite database; returns the CompletedProcess."""
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite'}",
        "WANGGE_SECRET_KEY": "k" * 40,
    }
    env.pop("WANGGE_DEMO", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "api.cli.main", *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


def roads_stored(tmp_path: Path) -> int:
    """How many road segments the CLI's database holds."""
    with sqlite3.connect(tmp_path / "cli.sqlite") as db:
        return db.execute("SELECT count(*) FROM roads").fetchone()[0]


def one_cell(wangge, tmp_path: Path) -> None:  # noqa: ANN001
    """Import one community with one cell (the same square) through the CLI."""
    square = [[117.2, 39.1], [117.21, 39.1], [117.21, 39.11], [117.2, 39.11], [117.2, 39.1]]
    for name, code in (("communities", "120101001001"), ("cells", "120101001001001")):
        feature = {
            "type": "Feature",
            "properties": {"code": code, "name": "一社区", "households": 150},
            "geometry": {"type": "Polygon", "coordinates": [square]},
        }
        path = tmp_path / f"{name}.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
        run = wangge("import", name, str(path))
        assert run.returncode == 0, run.stderr


def test_import_roads_like_the_other_imports(wangge, tmp_path: Path) -> None:
    two = {"type": "MultiLineString", "coordinates": [[[117.2, 39.1], [117.2, 39.11]], LINE]}
    good = layer(tmp_path / "roads.geojson", {"type": "LineString", "coordinates": LINE}, two)
    run = wangge("import", "roads", str(good))
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"{good}: imported 3 roads"
    assert roads_stored(tmp_path) == 3

    point = {"type": "Point", "coordinates": [117.2, 39.1]}
    bad = layer(tmp_path / "bad.geojson", {"type": "LineString", "coordinates": LINE}, point)
    run = wangge("import", "roads", str(bad))
    assert run.returncode == 2
    assert run.stderr.strip() == (
        f"{bad}: feature 1: Point where roads need LineString or MultiLineString"
    )
    swapped = [[39.1, 117.2], [39.1, 117.21]]
    far = layer(tmp_path / "far.geojson", {"type": "LineString", "coordinates": swapped})
    run = wangge("import", "roads", str(far))
    assert run.returncode == 2 and run.stderr.startswith(f"{far}: feature 0: "), run.stderr
    assert roads_stored(tmp_path) == 3  # refused files changed nothing


def test_roads_import_is_an_alias_that_says_so(wangge, tmp_path: Path) -> None:
    one = layer(tmp_path / "one.geojson", {"type": "LineString", "coordinates": LINE})
    run = wangge("roads", "import", str(one))
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"{one}: imported 1 roads"
    assert roads_stored(tmp_path) == 1
    assert "alias of `wangge import roads FILE`" in wangge("--help").stdout
    assert "alias of `wangge import roads FILE`" in wangge("roads", "--help").stdout
    assert "roads" in wangge("import", "--help").stdout


def test_report_to_an_unwritable_path_exits_2(wangge, tmp_path: Path) -> None:
    one_cell(wangge, tmp_path)
    out = tmp_path / "no-such-dir" / "report.html"
    run = wangge("report", "--community", "120101001001", "--period", "2026-10", "--out", str(out))
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith(f"{out}: cannot write: "), run.stderr
    assert "Traceback" not in run.stderr


def test_noticeboard_out_defaults_like_report(wangge, tmp_path: Path) -> None:
    one_cell(wangge, tmp_path)
    run = wangge("noticeboard", "--cell", "120101001001001")
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "noticeboard-120101001001001.html").read_text(encoding="utf-8")
