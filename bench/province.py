"""Benchmark: province-scale partition and record re-assignment, in-process vs dask local:1 vs
local:2 (issue 15; targets: partition ≥1.7× from 1 to 2 workers, 10⁸ records re-assigned from
GeoParquet in ≤3 min on 2 workers).

A synthetic province (data/boundaries/province.py, seeded) and its records are written as
GeoParquet once into ``--keep DIR`` (outside the repo) and reused by later runs with the same
parameters; then each mode runs the same job, the best of ``--repeat`` runs kept; the cluster
is started before the clock starts. Printed per mode, with the load average: wall seconds,
speed-up over local:1, the tasks' compute seconds (dask's task stream), the overhead per task
(idle worker time between the first and last task, per task), the serial seconds (client
before the first task and after the last) and each worker's peak resident memory (sampled).
The cluster's partition output is checked byte for byte against the in-process output. The
8- and 32-worker lines are a PROJECTION from local:2's measured costs (serial + (compute +
tasks × overhead) ÷ workers, never below the longest task), not a measurement.

    .venv/bin/python bench/province.py --communities 5000 --records 100000000 \
        --keep /work/data/prov1e8 [--jobs partition,reassign] [--repeat 3] [--no-in-process]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "data" / "boundaries"))
sys.path.insert(0, str(ROOT))

from province import make_province, make_records  # noqa: E402

from grid.cli import main as grid_main  # noqa: E402
from grid.scale.cluster import connect  # noqa: E402
from grid.scale.commands import read_cells  # noqa: E402
from grid.scale.reassign import reassign  # noqa: E402

#: records per generated Parquet part (one task each)
RECORDS_PER_PART = 2_000_000


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def quiet_main(argv: list[str]) -> int:
    """``python -m grid`` with its report kept off the bench's output."""
    with contextlib.redirect_stdout(io.StringIO()):
        return grid_main(argv)


def partition_args(work: Path, out: Path) -> list[str]:
    """The partition command line over the province files."""
    return ["partition", "--communities", str(work / "communities.parquet"),
            "--buildings", str(work / "buildings.parquet"), "--out", str(out), "--no-progress",
            "--report", str(out.with_suffix(".txt"))]


def files(out: Path) -> dict[str, bytes]:
    """Every Parquet file of an output by its relative path."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.parquet"))}


class PeakSampler(threading.Thread):
    """Samples every worker's resident memory while a job runs; keeps the peak.

    The workers' memory is read from /proc by process id, from this thread: asking the workers
    themselves (``client.run``) every quarter second interrupted their tasks and added several
    per cent to the compute being measured."""

    def __init__(self, client) -> None:
        import psutil

        super().__init__(daemon=True)
        self.procs = [psutil.Process(pid) for pid in client.run(os.getpid).values()]
        self.peak, self.stop = 0.0, threading.Event()

    def run(self) -> None:
        """Sample every 0.25 s until stopped."""
        while not self.stop.wait(0.25):
            for proc in self.procs:
                try:
                    self.peak = max(self.peak, proc.memory_info().rss / 2**20)
                except Exception:  # a worker going away mid-sample: the next sample counts
                    continue


def timed_cluster(workers: int, job, repeat: int = 1) -> dict:
    """Run ``job(address)`` ``repeat`` times on a fresh local cluster of ``workers``; the best
    run's wall, task stats, serial time and the workers' peak memory."""
    with connect(f"local:{workers}") as client:
        from distributed import get_task_stream

        runs = []
        for _ in range(repeat):
            sampler = PeakSampler(client)
            sampler.start()
            with get_task_stream(client) as ts:
                start = time.time()
                job(client.scheduler.address)
                stop = time.time()
            sampler.stop.set()
            sampler.join()
            runs.append(task_figures(ts.data, start, stop, workers) | {"peak": sampler.peak})
    return min(runs, key=lambda r: r["wall"])


def task_figures(stream: list[dict], start: float, stop: float, workers: int) -> dict:
    """From dask's task stream: compute seconds, tasks, the longest task, the serial time (on
    the client before the first task and after the last) and the overhead per task (the idle
    worker time between the first and the last task, per task)."""
    spans = [s for t in stream for s in t["startstops"] if s["action"] == "compute"]
    compute = sum(s["stop"] - s["start"] for s in spans)
    first = min((s["start"] for s in spans), default=start)
    last = max((s["stop"] for s in spans), default=stop)
    tasks = max(len(spans), 1)
    return {"wall": stop - start, "compute": compute, "tasks": len(spans),
            "longest": max((s["stop"] - s["start"] for s in spans), default=0.0),
            "serial": max(0.0, first - start) + max(0.0, stop - last),
            "overhead": max(0.0, (last - first) * workers - compute) / tasks}


def projection(row: dict, workers: int) -> float:
    """Projected wall on ``workers`` from a run's measured costs: its serial time, plus the
    tasks' compute and per-task overhead spread over the workers, but never less than its
    longest task."""
    spread = (row["compute"] + row["tasks"] * row["overhead"]) / workers
    return row["serial"] + max(spread, row["longest"])


def show(title: str, rows: dict[str, dict]) -> None:
    """The table of modes and the 8/32-worker projection."""
    print(f"\n{title}  (load {load()}; in-process peak: the bench process's ru_maxrss)")
    print(f"{'mode':<12}{'wall s':>8}{'speed-up':>10}{'compute s':>10}{'tasks':>7}"
          f"{'ovh ms/task':>12}{'serial s':>9}{'peak MB/wkr':>12}")
    base = rows.get("local:1", {}).get("wall")
    for mode, r in rows.items():
        sp = f"{base / r['wall']:.2f}x" if base and mode != "in-process" else "-"
        print(f"{mode:<12}{r['wall']:>8.1f}{sp:>10}{r.get('compute', 0):>10.1f}"
              f"{r.get('tasks', 0):>7}{1000 * r.get('overhead', 0):>12.1f}"
              f"{r.get('serial', 0):>9.2f}{r.get('peak', 0):>12.0f}")
    if "local:2" in rows:
        for w in (8, 32):
            print(f"PROJECTION local:{w} (not measured; from local:2's serial time, compute, "
                  f"per-task overhead and longest task): {projection(rows['local:2'], w):.1f} s")


def best_in_process(job, repeat: int) -> dict:
    """The best wall of ``repeat`` runs of ``job()`` in this process, and its peak memory."""
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        job()
        walls.append(time.perf_counter() - start)
    return {"wall": min(walls), "peak": peak_rss_mb()}


def bench_partition(work: Path, modes: list[int], repeat: int) -> None:
    """In-process vs local clusters on the province; outputs compared byte for byte."""
    rows: dict[str, dict] = {}
    rows["in-process"] = best_in_process(
        lambda: quiet_main(partition_args(work, work / "in.parquet")), repeat)
    print(f"partition in-process: {rows['in-process']['wall']:.1f} s (load {load()})",
          flush=True)
    want = files(work / "in.parquet")
    for w in modes:
        out = work / f"local{w}.parquet"
        rows[f"local:{w}"] = timed_cluster(
            w, lambda a, out=out: quiet_main([*partition_args(work, out), "--cluster", a]),
            repeat)
        same = files(out) == want
        print(f"partition local:{w}: {rows[f'local:{w}']['wall']:.1f} s; output identical to "
              f"in-process: {same} (load {load()})", flush=True)
    show("partition", rows)


def bench_reassign(work: Path, records: Path, n: int, modes: list[int],
                   in_process: bool, repeat: int) -> None:
    """Records re-assigned in-process vs local clusters: wall, records/s per worker count."""
    if not (work / "in.parquet" / "cells").is_dir():  # the cells: the in-process partition's
        assert quiet_main(partition_args(work, work / "in.parquet")) == 0
    cells = read_cells(work / "in.parquet")
    rows: dict[str, dict] = {}
    if in_process:
        rows["in-process"] = best_in_process(
            lambda: reassign(records, cells, work / "re_in.parquet"), repeat)
        shutil.rmtree(work / "re_in.parquet")
        print(f"reassign in-process: {rows['in-process']['wall']:.1f} s (load {load()})",
              flush=True)
    for w in modes:
        out = work / f"re_local{w}.parquet"

        def job(address: str, out: Path = out) -> None:
            from distributed import Client

            with Client(address) as client:
                reassign(records, cells, out, client=client)

        rows[f"local:{w}"] = timed_cluster(w, job, repeat)
        shutil.rmtree(out)
        print(f"reassign local:{w}: {rows[f'local:{w}']['wall']:.1f} s (load {load()})",
              flush=True)
    show(f"reassign {n} records", rows)
    for mode, r in rows.items():
        rate = n / r["wall"]
        workers = int(mode.split(":")[1]) if ":" in mode else 1
        print(f"{mode}: {n} records in {r['wall']:.1f} s = {rate / 1e6:.2f} M records/s, "
              f"{rate / workers / 1e6:.2f} M/s per worker")


def province_inputs(work: Path, args: argparse.Namespace) -> Path:
    """Write the province and ``args.records`` records under ``work``, reusing what an earlier
    run left there for the same communities, households and seed (``province.json``) and the same
    record count and format (``records-N-geo.done``); the records folder."""
    stamp = {"communities": args.communities, "households": args.households, "seed": args.seed}
    mark = work / "province.json"
    bld = None
    if not (mark.exists() and json.loads(mark.read_text()) == stamp):
        for old in [*work.glob("records-*"), *work.glob("*.parquet")]:
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        comm, bld = make_province(args.communities, seed=args.seed, households=args.households)
        comm.to_parquet(work / "communities.parquet")
        bld.to_parquet(work / "buildings.parquet", row_group_size=20_000)
        mark.write_text(json.dumps(stamp))
    kind = "geo" if args.records_format == "geoparquet" else "xy"
    records = work / f"records-{args.records}-{kind}.parquet"
    done = records.with_suffix(".done")
    if args.records and not done.exists():
        import geopandas as gpd

        bld = bld if bld is not None else gpd.read_parquet(work / "buildings.parquet")
        shutil.rmtree(records, ignore_errors=True)
        per_part = max(10_000, min(RECORDS_PER_PART, args.records // 16))  # ≥16 tasks to spread
        make_records(bld, args.records, records, seed=args.seed, rows_per_part=per_part,
                     geometry=kind == "geo")
        done.write_text(f"{args.records}\n")
    return records


def main() -> None:
    """Generate (or reuse kept inputs), then bench partition and reassign."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--communities", type=int, default=5000)
    ap.add_argument("--households", type=int, default=500)
    ap.add_argument("--records", type=int, default=100_000_000)
    ap.add_argument("--records-format", choices=("geoparquet", "parquet"), default="geoparquet",
                    help="records as GeoParquet points (default) or lon/lat columns")
    ap.add_argument("--workers", default="1,2", help="local cluster sizes to run")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", "--work", dest="work", type=Path,
                    help="folder (outside the repo) for the inputs, kept and reused by later runs "
                    "with the same parameters (default: a temp folder, removed)")
    ap.add_argument("--jobs", default="partition,reassign",
                    help="what to bench: partition, reassign, or both; 'none' only generates")
    ap.add_argument("--repeat", type=int, default=1,
                    help="runs per mode, the best kept (a shared machine's noise)")
    ap.add_argument("--no-in-process", action="store_true",
                    help="skip the in-process reassign (its 10⁸ run takes minutes)")
    args = ap.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="province-"))
    if work.resolve().is_relative_to(ROOT):
        ap.error("--keep must be outside the repository (the inputs are gigabytes)")
    work.mkdir(parents=True, exist_ok=True)
    modes = [int(w) for w in args.workers.split(",")]
    jobs = set(args.jobs.split(","))
    start = time.perf_counter()
    records = province_inputs(work, args)
    print(f"province: {args.communities} communities, {args.records} records ready in "
          f"{time.perf_counter() - start:.1f} s → {work}", flush=True)
    try:
        if "partition" in jobs:
            print(f"load average: {load()}", flush=True)
            bench_partition(work, modes, args.repeat)
        if "reassign" in jobs:
            print(f"load average: {load()}", flush=True)
            bench_reassign(work, records, args.records, modes, not args.no_in_process,
                           args.repeat)
        print(f"load average after: {load()}", flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


def load() -> str:
    """The 1/5/15-minute load averages and the cores, for every figure printed."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


if __name__ == "__main__":
    main()
