"""The plan that packs streets into cluster tasks: every street in exactly one task (also a
street without buildings, and the no-street of buildings in no community), tasks of about equal
households, positions continuing from piece to piece, ids naming buildings only when unique."""

import numpy as np
import pandas as pd

from grid.scale.inputs import MAX_SLICE_ROWS, MIN_SLICE_ROWS, slice_rows
from grid.scale.plan import (
    TASKS_PER_WORKER,
    distinct,
    id_buckets,
    make_plan,
    piece_stats,
    split_piece,
    task_count,
)


def _piece(streets: list[str], households: list[int], ids: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"_street": streets, "households": households, "id": ids})


def test_streets_are_packed_whole_into_even_tasks() -> None:
    rng = np.random.default_rng(1)
    streets = [f"s{i:02d}" for i in range(40)]
    pieces = [_piece(list(rng.choice(streets[:39], 300)), list(rng.integers(1, 60, 300)),
                     list(range(k * 300, k * 300 + 300))) for k in range(5)]
    stats = [piece_stats(p) for p in pieces]
    buckets = [id_buckets(p, 3) for p in pieces]
    counts = [distinct(*[b[j] for b in buckets]) for j in range(3)]
    plan = make_plan(stats, counts, [*streets, "none"], 8)
    assert sorted(plan.task_of) == sorted([*streets, "none"])  # s39 has no building: still run
    assert sorted(s for t in range(8) for s in plan.streets(t)) == sorted(plan.task_of)
    load = pd.concat(pieces).groupby("_street")["households"].sum()
    per_task = [load.reindex(plan.streets(t), fill_value=0).sum() for t in range(8)]
    assert max(per_task) - min(per_task) <= load.max()  # largest first: within one street
    assert plan.by_id
    cut = [split_piece(p, k, plan, 8) for k, p in enumerate(pieces)]
    pos = np.sort(np.concatenate([c["_pos"].to_numpy() for parts in cut for c in parts]))
    assert (pos == np.arange(1500)).all()
    for t in range(8):
        assert set(pd.concat([parts[t] for parts in cut])["_street"]) <= set(plan.streets(t))


def test_repeated_ids_name_buildings_by_position() -> None:
    pieces = [_piece(["a", "b"], [5, 5], [7, 8]), _piece(["a"], [5], [7])]
    buckets = [id_buckets(p, 2) for p in pieces]
    plan = make_plan([piece_stats(p) for p in pieces],
                     [distinct(*[b[j] for b in buckets]) for j in range(2)], ["a", "b"], 2)
    assert not plan.by_id
    names = pd.concat([c for k, p in enumerate(pieces) for c in split_piece(p, k, plan, 2)])
    assert sorted(names["_name"]) == [0, 1, 2]


def test_task_and_slice_sizes_follow_workers_and_input() -> None:
    assert task_count(streets=450, workers=2, buildings=80_000) == 2 * TASKS_PER_WORKER
    assert task_count(streets=5, workers=32, buildings=10**7) == 5
    assert task_count(streets=10**5, workers=2, buildings=10**8) == 1000  # memory per task
    assert slice_rows(8_000, 2) == MIN_SLICE_ROWS
    assert slice_rows(80_000, 2) == 5_000
    assert slice_rows(10**8, 2) == MAX_SLICE_ROWS
