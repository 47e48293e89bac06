"""Which task partitions which streets: the buildings' pieces are counted on the workers, then
streets are packed into tasks of about equal households (largest first, each into the lightest
task), a few tasks per worker, so the last tasks end together and no worker waits.

Everything here runs inside the task graph (no round trip to the client): ``piece_stats`` per
piece, ``make_plan`` once over them, ``split_piece`` per piece.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: tasks per worker: enough that the largest-first packing evens out the end of the run
TASKS_PER_WORKER = 4
#: buildings a task should hold at most (memory per worker); a street is never split, so the
#: largest street is the floor
TASK_BUILDINGS = 100_000


def task_count(streets: int, workers: int, buildings: int) -> int:
    """How many tasks the streets are packed into: a few per worker, more when the buildings
    would make a task too big, never more than the streets."""
    wanted = max(TASKS_PER_WORKER * max(1, workers), -(-buildings // TASK_BUILDINGS))
    return max(1, min(streets, wanted))


@dataclass(frozen=True)
class Plan:
    """Each piece's first position in the layer, whether ids name buildings, the streets'
    tasks."""

    offsets: np.ndarray
    by_id: bool
    task_of: dict[str, int]

    def streets(self, task: int) -> list[str]:
        """The streets task ``task`` partitions."""
        return sorted(s for s, t in self.task_of.items() if t == task)


def id_buckets(part: pd.DataFrame, buckets: int) -> list[np.ndarray]:
    """The piece's non-empty building ids, split by their hash into ``buckets`` lists."""
    if "id" not in part.columns:
        return [np.empty(0)] * buckets
    ids = part["id"].dropna().to_numpy()
    key = pd.util.hash_array(ids) % buckets if len(ids) else np.empty(0, np.uint64)
    return [ids[key == b] for b in range(buckets)]


def distinct(*ids: np.ndarray) -> tuple[int, int]:
    """How many distinct ids and how many ids one hash bucket holds over all pieces."""
    arr = pd.Series(np.concatenate(ids) if ids else np.empty(0), dtype=object)
    return int(arr.nunique()), len(arr)


def piece_stats(part: pd.DataFrame) -> tuple[int, pd.Series]:
    """A located piece's number of buildings and households by street."""
    return len(part), part.groupby("_street")["households"].sum()


def make_plan(stats: list[tuple[int, pd.Series]], counts: list[tuple[int, int]] | None,
              streets: list[str], tasks: int) -> Plan:
    """The plan over every piece's stats and the id buckets' counts (None: no id column);
    ``streets``: every street of the communities plus the no-street of buildings in none."""
    sizes = np.array([n for n, _ in stats], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    by_id = counts is not None and all(d == c for d, c in counts)
    load = pd.concat([h for _, h in stats]).groupby(level=0).sum() if stats else pd.Series()
    cost = load.reindex(streets, fill_value=0).astype(float) + 1.0  # a street with none: its cells
    heap = [(0.0, t) for t in range(max(1, tasks))]
    task_of = {}
    for street, c in sorted(cost.items(), key=lambda kv: (-kv[1], kv[0])):
        total, t = heapq.heappop(heap)
        task_of[str(street)] = t
        heapq.heappush(heap, (total + c, t))
    return Plan(offsets, by_id, task_of)


def split_piece(part: pd.DataFrame, number: int, plan: Plan, tasks: int) -> list[pd.DataFrame]:
    """The piece with its buildings' positions and names, cut into one frame per task."""
    start = int(plan.offsets[number])
    pos = np.arange(start, start + len(part), dtype=np.int64)
    names = np.asarray(pos, dtype=object)
    if plan.by_id:  # as grid.input.validate.feature_ids names them: the id, else the position
        names = np.where(part["id"].isna().to_numpy(), names, part["id"].to_numpy(dtype=object))
    part = part.assign(_pos=pos, _name=names)
    task = part["_street"].map(plan.task_of).to_numpy()
    return [part[task == t] for t in range(tasks)]


def take(parts: list[pd.DataFrame], index: int) -> pd.DataFrame:
    """One task's share of a split piece."""
    return parts[index]
