"""Register import speed: a seeded synthetic district register of 130k households / ~350k people
(the Heping sample's buildings, household counts scaled to 130k, with fictitious standard
addresses; one row in ten carries only lon/lat), as CSV and XLSX. Times ``read_register`` +
``check_register`` (grid's whole read-and-check) against pandas' plain read of the same file
(``read_csv``; ``read_excel`` with its default openpyxl engine), each in a fresh process that
also reports its peak memory (max RSS). Issue 11's target is the whole import in ≤ 60 s on
SQLite; the database load is timed by the API's own bench on top of this one.

    .venv/bin/python bench/register_import.py [--households 130000] [--dir DIR] [--no-xlsx]

Writing the XLSX takes minutes (openpyxl); with ``--dir DIR`` the files are kept, and a later
run with ``--dir DIR --reuse`` times the files already there.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "boundaries"
SIZE_SHARE = (0.15, 0.30, 0.30, 0.17, 0.08)  # mean 2.73 people a household


def district(households: int) -> gpd.GeoDataFrame:
    """The sample's buildings with fictitious addresses and counts scaled to ``households``."""
    from grid.input.prepare import prepare
    from grid.register.demo import demo_addresses

    b = prepare(DATA / "heping_communities.geojson", DATA / "heping_buildings.geojson").buildings
    scaled = b["households"].to_numpy(float) * households / b["households"].sum()
    counts = np.floor(scaled).astype(np.int64)
    short = households - counts.sum()
    counts[np.argsort(counts - scaled)[:short]] += 1  # largest remainders, total exact
    b = b.assign(households=counts, address=demo_addresses(b))
    return b


def generate(folder: Path, households: int, xlsx: bool, seed: int = 0) -> dict[str, Path]:
    """Write the buildings (GeoPackage) and the register (CSV, XLSX) into ``folder``."""
    from grid.register.demo import demo_register
    from grid.register.rows import DEFAULT_HEADERS

    b = district(households)
    rows = demo_register(b, seed=seed, size_share=SIZE_SHARE)
    point_only = np.random.default_rng(seed).random(len(rows)) < 0.1
    rows.loc[point_only, "address"] = ""
    rows = rows.rename(columns=DEFAULT_HEADERS)
    paths = {"buildings": folder / "buildings.gpkg", "csv": folder / "register.csv"}
    b[["id", "address", "households", "geometry"]].to_file(paths["buildings"], layer="buildings")
    rows.to_csv(paths["csv"], index=False, encoding="utf-8-sig")
    if xlsx:
        paths["xlsx"] = folder / "register.xlsx"
        with pd.ExcelWriter(paths["xlsx"], engine="openpyxl") as writer:
            rows.to_excel(writer, index=False)
    return paths


def measure(reader: str, path: Path, buildings: Path) -> dict[str, float | int]:
    """Run one reader over ``path`` in this process: seconds, peak RSS (MiB) and row count."""
    if reader == "grid":
        from grid.register.rows import check_register, read_register

        b = gpd.read_file(buildings)
        start, cpu = time.perf_counter(), _cpu()
        checked = check_register(read_register(path), b)
        seconds, cpu = time.perf_counter() - start, _cpu() - cpu
        rows, problems = len(checked.people), len(checked.problems)
        households = checked.summary["households"]
    else:
        start, cpu = time.perf_counter(), _cpu()
        df = pd.read_csv(path) if path.suffix == ".csv" else pd.read_excel(path)
        seconds, cpu = time.perf_counter() - start, _cpu() - cpu
        rows, problems, households = len(df), 0, 0
    peak = _peak_mib()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_mib": peak,
        "rows": rows,
        "problems": problems,
        "households": households,
    }


def _cpu() -> float:
    """CPU seconds used so far by this process's threads and its finished child processes (a
    reader may parse in worker processes)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def _peak_mib() -> float:
    """This process's peak resident memory in MiB (VmHWM: reset by exec, unlike ru_maxrss)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def in_fresh_process(reader: str, path: Path, buildings: Path) -> dict[str, float | int]:
    """``measure`` in a new interpreter, so each figure has its own imports and peak memory."""
    out = subprocess.run(
        [sys.executable, __file__, "--measure", reader, str(path), str(buildings)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    """Generate the files, time both readers on each, print the figures and ratios."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--households", type=int, default=130_000)
    p.add_argument("--dir", type=Path, help="keep the files here (else a temporary folder)")
    p.add_argument("--no-xlsx", action="store_true", help="CSV only (writing XLSX is slow)")
    p.add_argument("--reuse", action="store_true", help="time the files already in --dir")
    p.add_argument("--measure", nargs=3, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.measure:
        reader, path, buildings = a.measure
        print(json.dumps(measure(reader, Path(path), Path(buildings))))
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = a.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        if a.reuse and a.dir is not None:
            names = {"buildings": "buildings.gpkg", "csv": "register.csv", "xlsx": "register.xlsx"}
            paths = {k: folder / n for k, n in names.items() if (folder / n).exists()}
            if a.no_xlsx:
                paths.pop("xlsx", None)
        else:
            paths = generate(folder, a.households, xlsx=not a.no_xlsx)
            print(f"generated in {time.perf_counter() - start:.1f} s: {folder}")
        for kind in ("csv", "xlsx"):
            if kind not in paths:
                continue
            ours = in_fresh_process("grid", paths[kind], paths["buildings"])
            peer = in_fresh_process("pandas", paths[kind], paths["buildings"])
            mib = paths[kind].stat().st_size / 2**20
            print(
                f"{kind.upper()} ({mib:.0f} MiB, {ours['rows']} people, "
                f"{ours['households']} households, {ours['problems']} problems)\n"
                f"  grid read_register+check_register: {ours['seconds']:6.2f} s "
                f"(CPU {ours['cpu_seconds']:.2f} s), peak {ours['peak_mib']:.0f} MiB\n"
                f"  pandas plain read:                 {peer['seconds']:6.2f} s "
                f"(CPU {peer['cpu_seconds']:.2f} s), peak {peer['peak_mib']:.0f} MiB\n"
                f"  ratio ours/pandas: {ours['seconds'] / peer['seconds']:.2f} "
                f"(CPU {ours['cpu_seconds'] / peer['cpu_seconds']:.2f})"
            )


if __name__ == "__main__":
    main()
