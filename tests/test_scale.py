"""Province scale on a real dask.distributed cluster: a `dask scheduler` and two `dask worker`
processes started here on localhost. The partition on the cluster writes the same bytes as the
in-process run, also when a worker is killed mid-run; records re-assigned on the cluster agree
with an independent geopandas sjoin over the cell versions valid at each record's time."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely

from grid.cli import main as grid_main

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "data" / "boundaries"))
from province import make_province, make_records  # noqa: E402

DASK = str(Path(sys.executable).with_name("dask"))
#: the scheduler and workers import this checkout's code, not whichever the venv points at
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(
    [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
pytestmark = pytest.mark.timeout(240)


def _free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_worker(address: str, name: str) -> subprocess.Popen:
    """A `dask worker` process (no nanny: killed, it stays dead) joined to ``address``."""
    return subprocess.Popen(
        [DASK, "worker", address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
         "--name", name, "--memory-limit", "1GiB"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)


def wait_workers(address: str, n: int) -> None:
    """Block until the scheduler at ``address`` has ``n`` workers (or fail after 60 s)."""
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(n, timeout=60)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A real scheduler with two workers on localhost; its address."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)]
    try:
        time.sleep(1.0)
        procs += [start_worker(address, f"w{i}") for i in range(2)]
        wait_workers(address, 2)
        yield address
    finally:
        for p in reversed(procs):
            p.kill()
        for p in procs:
            p.wait(timeout=30)


@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic province (24 communities in 4 districts of 6 streets) as GeoParquet."""
    folder = tmp_path_factory.mktemp("province")
    comm, bld = make_province(24, seed=3, households=300, per_tile=6)
    comm.to_parquet(folder / "communities.parquet")
    bld.to_parquet(folder / "buildings.parquet", row_group_size=40)
    return folder


def run_partition(province: Path, out: Path, *extra: str) -> int:
    """``python -m grid partition`` on the province, GeoParquet out."""
    return grid_main(["partition", "--communities", str(province / "communities.parquet"),
                      "--buildings", str(province / "buildings.parquet"), "--out", str(out),
                      "--report", str(out.with_suffix(".txt")), "--no-progress", *extra])


def files(out: Path) -> dict[str, bytes]:
    """Every file of a partition output by its path inside ``out``."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}


@pytest.fixture(scope="module")
def in_process(province: Path) -> Path:
    """The in-process partition of the province (the reference)."""
    out = province / "in_process.parquet"
    assert run_partition(province, out) == 0
    return out


def test_partition_on_cluster_writes_the_in_process_bytes(
        scheduler: str, province: Path, in_process: Path) -> None:
    out = province / "cluster.parquet"
    assert run_partition(province, out, "--cluster", scheduler) == 0
    want = files(in_process)
    assert len({k.split("/")[1] for k in want}) >= 4  # several streets, one file each
    assert files(out) == want
    assert out.with_suffix(".txt").read_text() == in_process.with_suffix(".txt").read_text()
    cells = gpd.read_parquet(out / "cells")
    assert cells["code"].is_unique and len(cells) > 24


def test_one_row_group_read_in_slices_on_the_cluster_writes_the_same_bytes(
        scheduler: str, province: Path, in_process: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.parquet as pq

    import grid.scale.inputs as inputs

    one = province / "one_group.parquet"
    gpd.read_parquet(province / "buildings.parquet").to_parquet(one)
    monkeypatch.setattr(inputs, "MIN_SLICE_ROWS", 60)
    assert pq.read_metadata(one).num_row_groups == 1 and len(inputs._slices(one, 2)) > 3
    out = province / "sliced.parquet"
    assert grid_main(["partition", "--communities", str(province / "communities.parquet"),
                      "--buildings", str(one), "--out", str(out), "--no-progress",
                      "--cluster", scheduler]) == 0
    assert files(out) == files(in_process)


def same_gpkg(got: Path, want: Path) -> dict[str, gpd.GeoDataFrame]:
    """Assert two GeoPackages hold the same layers, field types and geometry types, and the same
    rows once sorted (cells by code, buildings by id or position); the layers of ``got``."""
    import pyogrio

    layers = pyogrio.list_layers(got).tolist()
    assert layers == pyogrio.list_layers(want).tolist()
    out = {}
    for name, _ in layers:
        info = [pyogrio.read_info(p, layer=name) for p in (got, want)]
        for key in ("fields", "dtypes"):
            assert info[0][key].tolist() == info[1][key].tolist(), (name, key)
        assert info[0]["geometry_type"] == info[1]["geometry_type"] and info[0]["features"] > 0
        x, y = (pyogrio.read_dataframe(p, layer=name) for p in (got, want))
        key = "code" if "code" in x.columns else ("id" if "id" in x.columns else None)
        if key is None:  # buildings without ids: their position is their first point
            x, y = (d.assign(_k=d.geometry.representative_point().to_wkt()) for d in (x, y))
            key = "_k"
        x, y = (d.sort_values(key, ignore_index=True) for d in (x, y))
        assert shapely.equals_exact(x.geometry.values, y.geometry.values, tolerance=0).all()
        pd.testing.assert_frame_equal(pd.DataFrame(x.drop(columns="geometry")),
                                      pd.DataFrame(y.drop(columns="geometry")))
        out[name] = pyogrio.read_dataframe(got, layer=name)
    assert out["cells"]["code"].is_monotonic_increasing  # written street by street in code order
    return out


def test_partition_on_cluster_to_a_geopackage_gives_the_in_process_layers(
        scheduler: str, province: Path) -> None:
    want, got = province / "in_process.gpkg", province / "cluster.gpkg"
    assert run_partition(province, want) == 0
    assert run_partition(province, got, "--cluster", scheduler) == 0
    layers = same_gpkg(got, want)
    assert set(layers) == {"cells", "buildings"} and len(layers["cells"]) > 24
    assert not [p.name for p in province.iterdir() if p.name.startswith(".")]  # staging gone


def test_vertical_cells_come_out_of_the_cluster_geopackage_as_in_process(
        scheduler: str, tmp_path: Path) -> None:
    from grid.samples.highrise import highrise_district

    sample = highrise_district(2, blocks=(2, 1), split_share=0.0)
    paths = {k: tmp_path / f"{k}.geojson" for k in "cbr"}
    sample.communities.to_file(paths["c"])
    sample.buildings.to_file(paths["b"])
    sample.roads.to_file(paths["r"])
    common = ["partition", "--communities", str(paths["c"]), "--buildings", str(paths["b"]),
              "--roads", str(paths["r"]), "--units-field", "units", "--no-progress"]
    assert grid_main([*common, "--out", str(tmp_path / "want.gpkg")]) == 0
    assert grid_main([*common, "--out", str(tmp_path / "got.gpkg"), "--cluster", scheduler]) == 0
    layers = same_gpkg(tmp_path / "got.gpkg", tmp_path / "want.gpkg")
    assert len(layers["vertical_cells"]) > 0
    assert layers["vertical_cells"]["code"].is_monotonic_increasing


def test_a_failed_geopackage_leaves_the_earlier_one_and_no_staging(
        scheduler: str, province: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import grid.scale.gpkg as gpkg
    from grid.errors import InputError
    from grid.input.io import write_layer

    calls = []

    def full_after_one(gdf: gpd.GeoDataFrame, path: Path, **kw) -> Path:
        calls.append(kw.get("layer"))
        if len(calls) > 1:  # the disk fills up after the first layer is written
            raise InputError("no space left on device", source=str(path))
        return write_layer(gdf, path, **kw)

    out = province / "earlier.gpkg"
    out.write_bytes(b"an earlier run")
    monkeypatch.setattr(gpkg, "write_layer", full_after_one)
    capsys.readouterr()
    assert run_partition(province, out, "--cluster", scheduler) == 2
    assert "no space left on device" in capsys.readouterr().err
    assert out.read_bytes() == b"an earlier run"
    assert not [p.name for p in province.iterdir() if p.name.startswith(".")]


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(
        scheduler: str, province: Path, in_process: Path) -> None:
    from distributed import Client

    victim = start_worker(scheduler, "victim")
    out = province / "killed.parquet"
    status: list[int] = []
    try:
        wait_workers(scheduler, 3)
        with Client(scheduler, timeout="30s") as watcher:
            run = threading.Thread(
                target=lambda: status.append(run_partition(province, out, "--cluster", scheduler)))
            run.start()
            info = watcher.scheduler_info(n_workers=-1)["workers"]
            [where] = [a for a, w in info.items() if w.get("name") == "victim"]
            busy = False
            deadline = time.monotonic() + 120
            while not busy and run.is_alive() and time.monotonic() < deadline:
                busy = bool(watcher.processing([where]).get(where)
                            or watcher.has_what([where]).get(where))
                time.sleep(0.005)
            victim.kill()
            run.join(timeout=180)
    finally:
        victim.kill()
        victim.wait(timeout=30)
    assert busy, "the victim worker never got work: the kill proved nothing"
    assert status == [0]
    assert files(out) == files(in_process)


def cell_versions(in_process: Path, province: Path) -> gpd.GeoDataFrame:
    """The cells of the partition, closed on 2025-01-01 and replaced by one cell per community
    (a redraw), as the server keeps versions."""
    cells = gpd.read_parquet(in_process / "cells")[["code", "community_code", "geometry"]]
    cells["valid_from"] = pd.Timestamp("2020-01-01", tz="UTC")
    cells["valid_to"] = pd.Timestamp("2025-01-01", tz="UTC")
    comm = gpd.read_parquet(province / "communities.parquet")
    redraw = gpd.GeoDataFrame({"code": comm["code"] + "900", "community_code": comm["code"],
                               "valid_from": pd.Timestamp("2025-01-01", tz="UTC"),
                               "valid_to": pd.Series(pd.NaT, index=comm.index,
                                                     dtype="datetime64[ns, UTC]")},
                              geometry=comm.geometry.values, crs=comm.crs)
    return gpd.GeoDataFrame(pd.concat([cells, redraw], ignore_index=True), crs=cells.crs)


def by_sjoin(records: pd.DataFrame, versions: gpd.GeoDataFrame) -> pd.Series:
    """The independent answer: geopandas.sjoin of the points with every cell version, kept where
    the version is in force at the record's time, the first by (code, valid_from) on ties."""
    pts = gpd.GeoDataFrame(records[["id", "occurred_at"]],
                           geometry=gpd.points_from_xy(records["lon"], records["lat"]),
                           crs=versions.crs)
    hit = gpd.sjoin(pts, versions, predicate="intersects", how="inner")
    t = pd.to_datetime(hit["occurred_at"]).dt.tz_localize("UTC")
    live = (hit["valid_from"] <= t) & (hit["valid_to"].isna() | (t < hit["valid_to"]))
    hit = hit[live].sort_values(["id", "code", "valid_from"])
    first = hit.drop_duplicates("id").set_index("id")["code"]
    return first.reindex(records["id"]).astype("string").reset_index(drop=True)


def test_reassign_on_cluster_agrees_with_an_independent_sjoin(
        scheduler: str, province: Path, in_process: Path) -> None:
    versions = cell_versions(in_process, province)
    versions.to_parquet(province / "versions.parquet")
    bld = gpd.read_parquet(province / "buildings.parquet")
    make_records(bld, 20_000, province / "records.parquet", seed=5, rows_per_part=5_000)
    args = ["reassign", "--records", str(province / "records.parquet"),
            "--cells", str(province / "versions.parquet"), "--no-progress"]
    here, there = province / "re_here.parquet", province / "re_cluster.parquet"
    assert grid_main([*args, "--out", str(here)]) == 0
    assert grid_main([*args, "--out", str(there), "--cluster", scheduler]) == 0
    got = pd.read_parquet(here).sort_values("id", ignore_index=True)
    assert got.equals(pd.read_parquet(there).sort_values("id", ignore_index=True))
    records = pd.read_parquet(province / "records.parquet").sort_values("id", ignore_index=True)
    got["cell_code"] = got["cell_code"].astype("string")
    assert len(got) == len(records) == 20_000
    want = by_sjoin(records, versions)
    assert got["cell_code"].notna().mean() > 0.5  # the sample is not vacuous
    assert (got["cell_code"].str.endswith("900") == (records["occurred_at"] >= "2025-01-01"))[
        got["cell_code"].notna()].all()
    pd.testing.assert_series_equal(got["cell_code"], want, check_names=False)
    sample = np.arange(0, len(got), 997)
    assert [h3.latlng_to_cell(la, lo, 11) for la, lo in
            zip(records["lat"][sample], records["lon"][sample], strict=True)] == \
        [h3.int_to_str(int(v)) for v in got["h3"][sample]]


def test_geoparquet_records_give_the_same_cells_and_stay_geoparquet(
        province: Path, in_process: Path) -> None:
    versions = province / "versions_geo.parquet"
    cell_versions(in_process, province).to_parquet(versions)
    records = pd.read_parquet(province / "records.parquet") if (
        province / "records.parquet").exists() else None
    if records is None:
        bld = gpd.read_parquet(province / "buildings.parquet")
        make_records(bld, 20_000, province / "records.parquet", seed=5, rows_per_part=5_000)
        records = pd.read_parquet(province / "records.parquet")
    records = records.sort_values("id", ignore_index=True)
    points = gpd.GeoDataFrame(records[["id", "occurred_at"]],
                              geometry=gpd.points_from_xy(records["lon"], records["lat"]),
                              crs=4326)
    points.iloc[:7000].to_parquet(province / "geo_records.parquet")  # one a WKB point each
    mixed = points.iloc[7000:].copy()  # one 3D point: read through shapely instead
    mixed.loc[mixed.index[0], "geometry"] = shapely.Point(mixed.geometry.iloc[0].x,
                                                          mixed.geometry.iloc[0].y, 5.0)
    mixed.to_parquet(province / "geo_records_3d.parquet")
    got = []
    for name in ("geo_records", "geo_records_3d"):
        out = province / f"re_{name}.parquet"
        assert grid_main(["reassign", "--records", str(province / f"{name}.parquet"), "--cells",
                          str(versions), "--out", str(out), "--no-progress"]) == 0
        got.append(gpd.read_parquet(out))  # GeoParquet out: geometry and CRS kept
    geo = pd.concat(got).sort_values("id", ignore_index=True)
    assert geo.crs.to_epsg() == 4326 and len(geo) == len(records)
    assert shapely.equals(geo.geometry.values, points.geometry.values).all()
    plain = province / "re_plain.parquet"
    assert grid_main(["reassign", "--records", str(province / "records.parquet"), "--cells",
                      str(versions), "--out", str(plain), "--no-progress"]) == 0
    want = pd.read_parquet(plain).sort_values("id", ignore_index=True)
    assert geo["cell_code"].astype("string").equals(want["cell_code"].astype("string"))
    assert (geo["h3"] == want["h3"]).all()


def test_bad_cluster_input_is_refused_before_any_work(province: Path, capsys) -> None:
    out = province / "bad.parquet"
    assert run_partition(province, out, "--cluster", "local:x") == 2
    assert "neither local:N nor a scheduler address" in capsys.readouterr().err
    assert run_partition(province, province / "bad.shp", "--cluster", "local:1") == 2
    err = capsys.readouterr().err
    assert err.startswith(str(province / "bad.shp")) and "must be a .gpkg file or a .parquet" in err
    (province / "taken.parquet").mkdir()
    (province / "taken.parquet" / "notes.txt").write_text("mine")
    assert run_partition(province, province / "taken.parquet", "--cluster", "local:1") == 2
    assert "is not the output of an earlier partition run" in capsys.readouterr().err
    assert (province / "taken.parquet" / "notes.txt").read_text() == "mine"
    assert not out.exists() and not (province / "bad.shp").exists()
    assert grid_main(["reassign", "--records", str(province / "nope.parquet"), "--cells",
                      str(province / "communities.parquet"), "--out",
                      str(province / "r.parquet")]) == 2
    assert "file not found" in capsys.readouterr().err
    assert grid_main(["reassign", "--records", str(province / "buildings.parquet"), "--cells",
                      str(province / "communities.parquet"), "--out",
                      str(province / "taken.parquet")]) == 2
    assert "is not the output of an earlier reassign run" in capsys.readouterr().err
    assert (province / "taken.parquet" / "notes.txt").read_text() == "mine"


def test_bad_buildings_on_the_cluster_exit_2_naming_the_file(
        scheduler: str, province: Path, capsys) -> None:
    bld = gpd.read_parquet(province / "buildings.parquet")
    bld.loc[bld.index[-1], "households"] = -3
    bad = province / "bad_buildings.parquet"
    bld.to_parquet(bad, row_group_size=40)
    out = province / "refused.parquet"
    capsys.readouterr()
    assert grid_main(["partition", "--communities", str(province / "communities.parquet"),
                      "--buildings", str(bad), "--out", str(out), "--no-progress",
                      "--cluster", scheduler]) == 2
    err = capsys.readouterr().err
    assert err.startswith(str(bad)) and "households" in err and "Traceback" not in err
