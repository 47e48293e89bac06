"""``partition`` on a dask.distributed cluster: communities as tasks, the same cells as in-process.

The buildings come as pieces read and made ready on the workers (``grid.scale.inputs``). Each
piece is matched to its communities by a spatial join (every building's anchor against the
communities' tree, with the in-process rule for a building in several: the first listed) and
counted; the counts make a plan (``grid.scale.plan``) that packs whole streets into a few tasks
per worker of about equal households, and every piece is cut by it, so a task holds whole
streets. A task partitions the communities of its streets with
``grid.partition.cells.partition_community``, the very function the in-process loop calls, and
writes its streets' GeoParquet files (``grid.scale.output``). Only the small per-cell attributes
and exception rows come back to the client, for the report: no process holds the whole
province's buildings. A task lost with its worker is run again by dask; its files are rewritten
whole, so nothing is lost or duplicated.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from grid.input.crs import metric_crs
from grid.partition.bounds import Bounds
from grid.partition.cells import (
    EXCEPTION_COLUMNS,
    PartitionResult,
    checked_bounds,
    partition_community,
)
from grid.partition.checks import community_bounds
from grid.partition.frames import building_layers, cells_in_wgs84, community_table, outside_rows
from grid.partition.straddle import owners
from grid.partition.vertical import VERTICAL_COLUMNS
from grid.scale.inputs import Pieces
from grid.scale.output import NO_STREET, street_of, write_streets
from grid.scale.plan import (
    Plan,
    distinct,
    id_buckets,
    make_plan,
    piece_stats,
    split_piece,
    take,
    task_count,
)

HELPERS = ["_pos", "_name", "_owner", "_street"]
#: dask priority of gathering a task's buildings: before any task starts partitioning
GATHER_PRIORITY = 10


@dataclass(frozen=True)
class Job:
    """What every task needs besides its buildings: communities and roads in the metric CRS."""

    crs: str
    communities: np.ndarray
    codes: np.ndarray
    streets: np.ndarray
    roads: np.ndarray | None
    bounds: list[Bounds]
    seed: int
    out: str


def make_job(
    communities: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None, bounds: Bounds, seed: int,
    out: Path,
) -> Job:
    """The job for ``communities`` (WGS84), projected once on the client as in-process, with
    each community's own household bounds."""
    crs = metric_crs(communities)
    comm = communities.to_crs(crs)
    road_geoms = None
    if roads is not None and len(roads):
        road_geoms = np.asarray(roads.to_crs(crs).geometry.values, dtype=object)
    codes = comm["code"].astype(str).to_numpy(dtype=object)
    return Job(crs.to_wkt(), np.asarray(comm.geometry.values, dtype=object), codes,
               street_of(codes), road_geoms, community_bounds(communities, bounds), seed, str(out))


def locate(part: gpd.GeoDataFrame, job: Job) -> pd.DataFrame:
    """Each building's community position (``_owner``, -1 for none) and street (``_street``):
    the partitioned spatial join, by the rule ``partition`` applies in-process."""
    if not len(part):
        return pd.DataFrame({"_owner": np.empty(0, np.int64), "_street": np.empty(0, str)},
                            index=part.index)
    footprints = np.asarray(part.to_crs(job.crs).geometry.values, dtype=object)
    owner = owners(job.communities, job.codes, footprints,
                   np.arange(len(part), dtype=object)).owner
    street = np.where(owner >= 0, job.streets[np.maximum(owner, 0)], NO_STREET)
    return pd.DataFrame({"_owner": owner, "_street": street.astype(str)}, index=part.index)


def with_location(part: gpd.GeoDataFrame, job: Job) -> gpd.GeoDataFrame:
    """``part`` with its buildings' ``_owner`` and ``_street`` (see ``locate``)."""
    where = locate(part, job)
    return part.assign(_owner=where["_owner"].to_numpy(), _street=where["_street"].to_numpy())


def run_streets(part: gpd.GeoDataFrame, job: Job, streets: list[str] | None = None) -> dict:
    """Partition every community of the streets in ``part`` (or of ``streets``), write their
    files, and return the cell and vertical cell attributes, exception rows (straddlers' with
    their building's position) and unplaced buildings' names."""
    part = part.sort_values("_pos", kind="stable")
    mine = sorted(set(part["_street"].tolist()) | set(streets or []))
    metric = part.to_crs(job.crs)
    names = part["_name"].to_numpy(dtype=object)
    found = owners(job.communities, job.codes, np.asarray(metric.geometry.values, dtype=object),
                   names)
    owner = found.owner
    layers = building_layers(metric, None, job.crs, found.anchors)
    layers.names = names
    roads = job.roads
    tree = shapely.STRtree(roads) if roads is not None else None
    outcomes, rows = [], []
    cell_code = np.full(len(part), None, dtype=object)
    vertical_code = np.full(len(part), None, dtype=object)
    order = np.argsort(owner, kind="stable")
    todo = np.flatnonzero(np.isin(job.streets, mine))
    starts = np.searchsorted(owner[order], np.concatenate([todo, todo + 1]))
    for k, ci in enumerate(todo):
        members = order[starts[k]:starts[k + len(todo)]]
        rs = None if tree is None or roads is None else roads[
            tree.query(job.communities[ci], predicate="intersects")]
        got = partition_community(job.communities[ci], job.codes[ci], members, layers, rs,
                                  job.bounds[ci], job.seed)
        cell_code[members], vertical_code[members] = got.cell_code, got.vertical_code
        outcomes.append(got)
        rows += [(int(ci), *r) for r in got.exceptions]
    out_b = part.drop(columns=HELPERS)
    out_b["community_code"] = np.where(owner >= 0, job.codes[np.maximum(owner, 0)], None)
    out_b["cell_code"] = cell_code
    out_b["vertical_code"] = vertical_code
    cells = cells_in_wgs84([o.cells for o in outcomes], job.crs) if outcomes else None
    write_streets(cells if cells is not None else out_b.iloc[:0][["community_code"]],
                  out_b, Path(job.out))
    summary = None if cells is None else pd.DataFrame(cells.drop(columns="geometry"))
    pos = part["_pos"].to_numpy()
    return {"cells": summary, "exceptions": rows, "streets": mine,
            "vertical": [o.vertical for o in outcomes if len(o.vertical)],
            "straddling": [(int(pos[i]), r) for i, r in zip(found.straddlers, found.rows,
                                                            strict=True)],
            "outside": part.loc[owner < 0, ["_pos", "_name"]]}


def _progress(futures: list, show: bool) -> list[dict]:
    """The tasks' results in order, with a progress bar on stderr when asked."""
    from distributed import as_completed

    bar = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=len(futures), desc="partition", unit="task", file=sys.stderr)
    for _ in as_completed(futures):
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    return [f.result() for f in futures]


def partition_on_cluster(
    client: Any, communities: gpd.GeoDataFrame, buildings: Pieces,
    roads: gpd.GeoDataFrame | None, out: Path, *, min_households: int = 100,
    max_households: int = 200, seed: int = 0, progress: bool = False,
) -> PartitionResult:
    """Partition ``communities`` over ``buildings`` (delayed prepared pieces in layer order) on
    ``client``'s cluster, writing GeoParquet by street under ``out``.

    The result carries the cells without geometry (for the report) and the exceptions; the
    geometry is in the files.
    """
    bounds = checked_bounds(communities, buildings.meta, roads, min_households, max_households)
    job = make_job(communities, roads, bounds, seed, out)
    [job_f] = client.scatter([job], broadcast=True, hash=False)  # no token: 0.2 s saved
    workers = max(1, len(client.scheduler_info(n_workers=-1)["workers"]))
    streets = sorted(set(job.streets.tolist()) | {NO_STREET})
    tasks = task_count(len(streets), workers, buildings.rows)
    graph = _task_graph(buildings.pieces, buildings.meta, job_f, streets, tasks)
    results = _progress(client.compute(graph), progress)
    return _result(results, communities, job, bounds)


def _task_graph(pieces: list, meta: gpd.GeoDataFrame, job_f: Any, streets: list[str],
                tasks: int) -> list:
    """The delayed tasks: each piece located, counted and cut by the plan; one ``run_task``
    per group of streets over its share of every piece."""
    import dask
    from dask import delayed

    located = [delayed(with_location)(p, job_f) for p in pieces]
    counts = None
    if "id" in meta.columns:
        buckets = max(1, min(len(pieces), tasks))
        ids = [delayed(id_buckets)(loc, buckets) for loc in located]
        counts = [delayed(distinct)(*[delayed(take)(i, b) for i in ids]) for b in range(buckets)]
    plan = delayed(make_plan)([delayed(piece_stats)(loc) for loc in located], counts, streets,
                              tasks)
    splits = [delayed(split_piece)(loc, i, plan, tasks) for i, loc in enumerate(located)]
    # Each task's buildings are gathered from every piece first, while the workers have
    # nothing else to do: a worker busy partitioning serves data slowly (its event loop waits
    # for the GIL), and a task waiting for such a transfer left its worker idle for seconds.
    with dask.annotate(priority=GATHER_PRIORITY):
        gathered = [delayed(gather)(*[delayed(take)(s, t) for s in splits])
                    for t in range(tasks)]
    return [delayed(run_task)(t, plan, job_f, g) for t, g in enumerate(gathered)]


def gather(*shares: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One task's buildings: its share of every piece, in layer order."""
    full = [s for s in shares if len(s)] or list(shares[:1])
    return pd.concat(full) if len(full) > 1 else full[0]


def run_task(task: int, plan: Plan, job: Job, part: gpd.GeoDataFrame) -> dict:
    """``run_streets`` over one task's streets and its buildings."""
    return run_streets(part, job, plan.streets(task))


def _result(results: list[dict], communities: gpd.GeoDataFrame, job: Job,
            bounds: Bounds) -> PartitionResult:
    """The tasks' summaries put in the in-process order: cells by code, exceptions by
    community, then the straddling buildings and the buildings in no community, each in input
    order."""
    frames = [r["cells"] for r in results if r["cells"] is not None]
    cells = pd.concat(frames, ignore_index=True).sort_values("code", ignore_index=True)
    rows = sorted((r for res in results for r in res["exceptions"]), key=lambda r: r[0])
    straddling = sorted((r for res in results for r in res["straddling"]), key=lambda r: r[0])
    outside = pd.concat([r["outside"] for r in results]).sort_values("_pos")
    exc = ([r[1:] for r in rows] + [r for _, r in straddling]
           + outside_rows(outside["_name"].to_numpy(dtype=object)))
    vertical = pd.concat([v for r in results for v in r["vertical"]]
                         or [pd.DataFrame(columns=VERTICAL_COLUMNS)], ignore_index=True)
    return PartitionResult(cells, gpd.GeoDataFrame(), pd.DataFrame(exc, columns=EXCEPTION_COLUMNS),
                           (bounds.low, bounds.high),
                           community_table(communities, job.codes, job.bounds),
                           vertical.sort_values("code", ignore_index=True))
