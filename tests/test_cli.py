"""The partition command end to end: files in, cells out; bad input named, exit 2, no output."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from grid.cli import main as grid_main
from grid.input.crs import utm_crs
from grid.input.shift import wgs84_to_gcj02

UTM = utm_crs(117.2, 39.12)
CODES = ["120101001001", "120101001002"]
ROOT = Path(__file__).resolve().parents[1]


def community_layer() -> gpd.GeoDataFrame:
    """Two adjacent 300 m × 240 m communities in Heping (WGS84)."""
    x0, y0 = 521_000.0, 4_330_000.0
    boxes = shapely.box([x0, x0 + 300], y0, [x0 + 300, x0 + 600], y0 + 240)
    return gpd.GeoDataFrame(
        {"code": CODES, "name": ["第1社区", "第2社区"]}, geometry=boxes, crs=UTM
    ).to_crs(4326)


def building_layer() -> gpd.GeoDataFrame:
    """A 5 × 4 grid of 40 m × 12 m walk-ups per community; some counts given, others estimated."""
    x0, y0 = 521_000.0, 4_330_000.0
    xs = x0 + 15 + 57 * np.arange(10)
    ys = y0 + 20 + 55 * np.arange(4)
    gx, gy = (a.ravel() for a in np.meshgrid(xs, ys))
    n = len(gx)
    hh = np.where(np.arange(n) % 3 == 0, np.nan, 30.0)
    return gpd.GeoDataFrame(
        {"id": np.arange(1, n + 1), "hh": hh, "floors": np.full(n, 6.0), "type": "apartments"},
        geometry=shapely.box(gx, gy, gx + 40, gy + 12),
        crs=UTM,
    ).to_crs(4326)


def road_layer() -> gpd.GeoDataFrame:
    """One road along the shared edge of the two communities."""
    line = shapely.LineString([(521_300.0, 4_329_990.0), (521_300.0, 4_330_250.0)])
    return gpd.GeoDataFrame({"highway": ["residential"]}, geometry=[line], crs=UTM).to_crs(4326)


@pytest.fixture()
def inputs(tmp_path: Path) -> dict[str, Path]:
    """The three layers written as GeoJSON into a temporary folder."""
    paths = {
        "c": tmp_path / "communities.geojson",
        "b": tmp_path / "buildings.geojson",
        "r": tmp_path / "roads.geojson",
    }
    community_layer().to_file(paths["c"])
    building_layer().to_file(paths["b"])
    road_layer().to_file(paths["r"])
    return paths


def args(inputs: dict[str, Path], out: Path, *extra: str) -> list[str]:
    """Command-line arguments for a partition of ``inputs`` into ``out``."""
    return [
        "partition",
        "--communities",
        str(inputs["c"]),
        "--buildings",
        str(inputs["b"]),
        "--roads",
        str(inputs["r"]),
        "--households-field",
        "hh",
        "--levels-field",
        "floors",
        "--min",
        "100",
        "--max",
        "200",
        "--out",
        str(out),
        *extra,
    ]


def test_wangge_partition_subprocess_writes_valid_cells(inputs, tmp_path: Path) -> None:
    out, gj, report = tmp_path / "cells.gpkg", tmp_path / "cells.geojson", tmp_path / "report.txt"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli.main",
            *args(inputs, out, "--geojson", str(gj), "--report", str(report)),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "Total" in run.stdout and "Total" in report.read_text(encoding="utf-8")
    cells = pyogrio.read_dataframe(out, layer="cells")
    bld = pyogrio.read_dataframe(out, layer="buildings")
    assert cells.crs.to_epsg() == 4326
    assert cells["code"].str.fullmatch(r"\d{15}").all() and cells["code"].is_unique
    assert set(cells["community_code"]) == set(CODES)
    comms = community_layer()
    for code, poly in zip(comms["code"], comms.geometry, strict=True):
        mine = cells[cells["community_code"] == code].to_crs(UTM)
        assert shapely.coverage_is_valid(mine.geometry.values)
        outline = gpd.GeoSeries([poly], crs=4326).to_crs(UTM).iloc[0]
        assert shapely.union_all(mine.geometry.values).symmetric_difference(outline).area < 0.5
    assert bld["cell_code"].notna().all() and set(bld["cell_code"]) <= set(cells["code"])
    assert bld["households_estimated"].sum() == np.isnan(building_layer()["hh"]).sum()
    assert cells["households"].sum() == bld["households"].sum()
    assert len(pyogrio.read_dataframe(gj)) == len(cells)


def test_python_m_grid_runs_too(inputs, tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "grid", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert run.returncode == 0 and "partition" in run.stdout


def test_self_intersecting_community_is_repaired_and_warned(inputs, tmp_path: Path, capsys) -> None:
    comms = community_layer()
    b = comms.geometry.iloc[0].exterior.coords
    comms.loc[0, "geometry"] = shapely.Polygon([b[0], b[1], b[2], b[3], b[0], b[2]])
    comms.to_file(inputs["c"])
    assert not shapely.is_valid(pyogrio.read_dataframe(inputs["c"]).geometry.iloc[0])
    assert grid_main(args(inputs, tmp_path / "cells.gpkg")) == 0
    err = capsys.readouterr().err
    assert f"{inputs['c']}: feature 0: invalid polygon repaired" in err


def test_empty_buildings_file_exits_2_and_writes_nothing(inputs, tmp_path: Path, capsys) -> None:
    inputs["b"].write_bytes(b"")
    out = tmp_path / "cells.gpkg"
    assert grid_main(args(inputs, out)) == 2
    assert capsys.readouterr().err.strip() == f"{inputs['b']}: file is empty"
    assert not out.exists()


def test_swapped_coordinates_exit_2_naming_the_feature(inputs, tmp_path: Path, capsys) -> None:
    swapped = building_layer()
    swapped.geometry = shapely.transform(swapped.geometry.values, lambda xy: xy[:, ::-1])
    swapped.to_file(inputs["b"])
    assert grid_main(args(inputs, tmp_path / "cells.gpkg")) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"{inputs['b']}: feature 1: latitude and longitude look swapped")


def test_missing_household_field_exits_2_naming_it(inputs, tmp_path: Path, capsys) -> None:
    argv = args(inputs, tmp_path / "cells.gpkg")
    argv[argv.index("hh")] = "households_total"
    assert grid_main(argv) == 2
    assert f"{inputs['b']}: field 'households_total': no such field" in capsys.readouterr().err


def test_declared_gcj02_gives_the_same_cells(inputs, tmp_path: Path) -> None:
    assert grid_main(args(inputs, tmp_path / "wgs.gpkg")) == 0
    for key in ("c", "b", "r"):
        layer = gpd.read_file(inputs[key])
        layer.geometry = shapely.transform(
            layer.geometry.values, lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))
        )
        layer.to_file(inputs[key])
    assert grid_main(args(inputs, tmp_path / "gcj.gpkg", "--crs", "gcj02")) == 0
    wgs = pyogrio.read_dataframe(tmp_path / "wgs.gpkg", layer="cells")
    gcj = pyogrio.read_dataframe(tmp_path / "gcj.gpkg", layer="cells")
    assert wgs["code"].tolist() == gcj["code"].tolist()
    assert wgs["households"].tolist() == gcj["households"].tolist()
    assert np.allclose(wgs.total_bounds, gcj.total_bounds, atol=1e-7)


def test_undeclared_gcj02_buildings_are_warned(inputs, tmp_path: Path, capsys) -> None:
    shifted = building_layer()
    shifted.geometry = shapely.transform(
        shifted.geometry.values, lambda xy: np.column_stack(wgs84_to_gcj02(xy[:, 0], xy[:, 1]))
    )
    shifted.to_file(inputs["b"])
    grid_main(args(inputs, tmp_path / "cells.gpkg"))
    assert "coordinates look like gcj02" in capsys.readouterr().err


def test_unrepairable_building_is_refused_or_dropped_on_request(
    inputs, tmp_path: Path, capsys
) -> None:
    blds = building_layer()
    x, y = blds.geometry.iloc[2].exterior.coords[0]
    blds.loc[2, "geometry"] = shapely.Polygon([(x, y), (x + 1e-4, y), (x + 2e-4, y), (x, y)])
    blds.to_file(inputs["b"])
    assert grid_main(args(inputs, tmp_path / "cells.gpkg")) == 2
    assert f"{inputs['b']}: feature 3: invalid polygon" in capsys.readouterr().err
    assert not (tmp_path / "cells.gpkg").exists()
    assert grid_main(args(inputs, tmp_path / "cells.gpkg", "--drop-invalid")) == 0
    assert "feature 3: dropped" in capsys.readouterr().err
    assert len(pyogrio.read_dataframe(tmp_path / "cells.gpkg", layer="buildings")) == len(blds) - 1


def test_towers_get_vertical_cells_by_the_units_field_and_bounds_per_community(
    tmp_path: Path, capsys
) -> None:
    from grid.samples.highrise import highrise_district

    sample = highrise_district(2, blocks=(2, 1), split_share=0.0)
    paths = {k: tmp_path / f"{k}.geojson" for k in "cbr"}
    sample.communities.to_file(paths["c"])
    sample.buildings.rename(columns={"units": "dy"}).to_file(paths["b"])
    sample.roads.to_file(paths["r"])
    table = tmp_path / "bounds.csv"
    table.write_text(f"code,min_households,max_households\n{sample.communities['code'][0]},"
                     "300,500\n", encoding="utf-8")
    out = tmp_path / "cells.gpkg"
    common = ["partition", "--communities", str(paths["c"]), "--buildings", str(paths["b"]),
              "--roads", str(paths["r"]), "--units-field", "dy", "--no-progress"]
    assert grid_main([*common, "--bounds-table", str(table), "--out", str(out)]) == 0
    assert "Vertical cells:" in capsys.readouterr().out
    vertical = gpd.read_file(out, layer="vertical_cells")
    assert vertical["code"].str.fullmatch(r"\d{15}-\d{2}").all()
    assert set(vertical["split"]) >= {"units"}
    first = vertical[vertical["community_code"] == sample.communities["code"][0]]
    assert first["households"].between(300, 500).mean() > 0.9
    bad = tmp_path / "bad.csv"
    bad.write_text("code,lo\n1,2\n", encoding="utf-8")
    assert grid_main([*common, "--bounds-table", str(bad), "--out", str(out)]) == 2
    assert "min_households" in capsys.readouterr().err
