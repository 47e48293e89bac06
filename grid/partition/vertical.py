"""Vertical cells (楼栋网格): a tall building over the maximum as a stack of cells (DESIGN §6).

A 2D cell holding a building of more households than the maximum keeps its plot (cells still tile
the community); below it, its households are divided into vertical cells of min–max households.
The building is cut by entrance units (单元) when their number is known, consecutive units
grouped; a unit that alone exceeds the maximum is cut by floor ranges; with units unknown the
whole building is cut by floor ranges (levels from ``building:levels``/``levels``/``floors``,
else height ÷ 3 m); with neither known, into equal shares of its household list. Groups are
chosen by dynamic programming over the ordered units or floors: every group within bounds where
the units and floors allow, sizes as close to the middle as possible. Other (smaller) buildings
sharing the 2D cell join the first vertical cell of its first tall building. Codes: see
``grid.domain.codes.vertical_codes``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from grid.domain.codes import vertical_codes
from grid.partition.bounds import Bounds

#: Columns of ``PartitionResult.vertical``.
VERTICAL_COLUMNS = ["code", "cell_code", "community_code", "building", "households", "split",
                    "unit_from", "unit_to", "floor_from", "floor_to", "others"]
LEVEL_COLUMNS = ("building:levels", "levels", "floors", "building_levels")
HEIGHT_COLUMNS = ("height", "building:height")
METRES_PER_LEVEL = 3.0
#: Costs of a group out of bounds and of one household outside the bounds, against a squared
#: relative distance to the middle: fewest groups out first, then fewest households out.
OUT_OF_BOUNDS_GROUP = 1e9
OUT_OF_BOUNDS_COST = 1e3


@dataclass
class Piece:
    """One vertical cell before its code: households, units and floors it spans (1-based,
    inclusive; NaN when not known) and how it was cut."""

    households: int
    split: str
    units: tuple[float, float]
    floors: tuple[float, float]
    others: int = 0


@dataclass
class Stacks:
    """One community's vertical cells: per piece its 2D cell (position) and building name, and
    the notes (2D cell position, kind, reason) explaining each stack."""

    cell: list[int] = field(default_factory=list)
    building: list[object] = field(default_factory=list)
    pieces: list[Piece] = field(default_factory=list)
    notes: list[tuple[int, str, str]] = field(default_factory=list)
    #: Position (in ``pieces``) of the vertical cell each small building in a stack's 2D cell
    #: joins, keyed by the building's position among the community's buildings.
    joins: dict[int, int] = field(default_factory=dict)


def building_levels(buildings: pd.DataFrame) -> np.ndarray:
    """Levels per building from the first levels column, else height ÷ 3 m; NaN when neither."""
    out = np.full(len(buildings), np.nan)
    for name in (*LEVEL_COLUMNS, *HEIGHT_COLUMNS):
        if name not in buildings.columns:
            continue
        v = pd.to_numeric(buildings[name], errors="coerce").to_numpy(dtype=float)
        if name in HEIGHT_COLUMNS:
            v = np.rint(v / METRES_PER_LEVEL)
        v = np.where(np.isfinite(v) & (v >= 1), np.rint(v), np.nan)
        out = np.where(np.isnan(out), v, out)
    return out


def spread(total: int, n: int) -> np.ndarray:
    """``total`` households spread over ``n`` units or floors as evenly as whole numbers allow."""
    return np.diff(np.round(np.arange(n + 1) * total / n)).astype(np.int64)


def group_runs(w: np.ndarray, bounds: Bounds) -> list[tuple[int, int]]:
    """Consecutive groups ``[start, end)`` of the weights ``w``: as many groups within bounds as
    the weights allow, then sizes nearest the middle.

    Dynamic programming over prefix sums, one vectorised step per weight.
    """
    n = len(w)
    s = np.concatenate([[0.0], np.cumsum(w, dtype=float)])
    best = np.full(n + 1, np.inf)
    best[0] = 0.0
    back = np.zeros(n + 1, dtype=np.int64)
    t = bounds.target
    for j in range(1, n + 1):  # one step per unit or floor of one building
        g = s[j] - s[:j]
        out = np.maximum(0, bounds.low - g) + np.maximum(0, g - bounds.high)
        cost = OUT_OF_BOUNDS_GROUP * (out > 0) + OUT_OF_BOUNDS_COST * out + ((g - t) / t) ** 2
        k = int(np.argmin(best[:j] + cost))
        best[j], back[j] = best[k] + cost[k], k
    out, j = [], n
    while j > 0:
        out.append((int(back[j]), j))
        j = int(back[j])
    return out[::-1]


def _grouped(w: np.ndarray, extra: int, bounds: Bounds, split: str,
             span: tuple[float, float]) -> list[Piece]:
    """Pieces of consecutive units (``split`` "units") or floors ("floors") of weights ``w``;
    ``extra`` households of other buildings come first, as one more thing to group. ``span``
    is the other dimension's range (the floors of a unit group, the units of a floor range)."""
    lead = 1 if extra else 0
    ww = np.concatenate([[extra], w]) if extra else np.asarray(w)
    pieces = []
    for a, b in group_runs(ww, bounds):
        lo, hi = max(a - lead, 0), b - lead
        others = extra if lead and a == 0 else 0
        rng = (lo + 1.0, float(hi)) if hi > lo else (np.nan, np.nan)
        here = rng if split == "units" else span
        there = span if split == "units" else rng
        kind = split if hi > lo else "others"
        pieces.append(Piece(int(w[lo:hi].sum()) + others, kind, here, there, others))
    return pieces


def _plans(h: int, units: float, levels: float, bounds: Bounds, extra: int) -> list[list[Piece]]:
    """Every way the building can be cut: by units (units over the maximum by their floors),
    by floor ranges of the whole building; equal shares when neither is known."""
    floors = (1.0, float(levels)) if levels >= 1 else (np.nan, np.nan)
    plans = []
    if units >= 2:
        per = spread(h, int(units))
        if (per <= bounds.high).all() or not levels >= 2:
            plans.append(_grouped(per, extra, bounds, "units", floors))
        else:
            plan: list[Piece] = []
            for u, x in enumerate(per):  # one step per entrance unit
                plan += _grouped(spread(int(x), int(levels)), 0 if plan else extra, bounds,
                                 "floors", (u + 1.0, u + 1.0))
            plans.append(plan)
    if levels >= 2:
        whole = (1.0, float(units)) if units >= 1 else (np.nan, np.nan)
        plans.append(_grouped(spread(h, int(levels)), extra, bounds, "floors", whole))
    if not plans:
        k, _ = bounds.cells_for(float(h + extra))
        shares = [Piece(int(x), "shares", (np.nan, np.nan), floors) for x in spread(h, max(k, 1))]
        shares[0].households += extra
        shares[0].others = extra
        plans.append(shares)
    return plans


def stack(h: int, units: float, levels: float, bounds: Bounds, extra: int = 0) -> list[Piece]:
    """The vertical cells of one building of ``h`` households (``extra`` households of other
    buildings in its cell join them): of the cuts by units and by floors, the one with fewest
    cells out of bounds, by units on a tie."""
    def misses(plan: list[Piece]) -> tuple[int, float]:
        hh = np.array([p.households for p in plan], dtype=float)
        out = np.maximum(0, bounds.low - hh) + np.maximum(0, hh - bounds.high)
        return int((out > 0).sum()), float(out.sum())

    plans = _plans(h, units, levels, bounds, extra)
    return min(plans, key=misses)


def _describe(name: object, h: int, pieces: list[Piece], units: float, levels: float) -> str:
    """The report's reason for one building's stack."""
    within = all(p.units[0] == p.units[1] for p in pieces if p.split == "floors")
    how = {"units": f"by its {int(units) if units == units else '?'} entrance units",
           "floors": f"by floor ranges of its {int(levels) if levels == levels else '?'} floors"
           + (" within each entrance unit" if within else ""),
           "shares": "into equal shares (entrance units and levels unknown)"}
    kinds = sorted({p.split for p in pieces} - {"others"})
    sizes = ", ".join(str(p.households) for p in pieces)
    return (f"building {name} alone has {h} households; its cell is a stack of {len(pieces)} "
            f"vertical cells (楼栋网格) cut {' and '.join(how[k] for k in kinds)}: {sizes} "
            "households")


def community_stacks(
    building_cell: np.ndarray, h: np.ndarray, units: np.ndarray, levels: np.ndarray,
    names: np.ndarray, bounds: Bounds,
) -> Stacks:
    """Vertical cells for every 2D cell of one community holding a building over the maximum.

    The other buildings of such a cell join the first vertical cell of its first tall building.
    Returns the pieces with their 2D cell and building, and one note per stacked 2D cell.
    """
    out = Stacks()
    tall = np.flatnonzero(h > bounds.high)
    if len(tall) == 0:
        return out
    cell_h = np.bincount(building_cell, weights=h).astype(np.int64)
    for c in np.unique(building_cell[tall]):  # one step per tall-building cell
        mine = np.flatnonzero(building_cell == c)
        towers = mine[h[mine] > bounds.high]
        rest = mine[h[mine] <= bounds.high]
        extra = int(cell_h[c] - h[towers].sum())
        reasons = []
        for k, b in enumerate(towers):
            pieces = stack(int(h[b]), float(units[b]), float(levels[b]), bounds,
                           extra if k == 0 else 0)
            if k == 0:
                out.joins.update({int(r): len(out.pieces) for r in rest})
            out.cell += [int(c)] * len(pieces)
            out.building += [names[b]] * len(pieces)
            out.pieces += pieces
            reasons.append(_describe(names[b], int(h[b]), pieces, float(units[b]),
                                     float(levels[b])))
        if extra:
            reasons.append(f"its {len(rest)} other building(s) ({extra} households) join the "
                           "first vertical cell of the stack")
        out.notes.append((int(c), "oversized_building", "; ".join(reasons)))
    return out


def stack_frame(stacks: Stacks, cell_codes: np.ndarray, community_code: str) -> pd.DataFrame:
    """One community's vertical cells as rows (``VERTICAL_COLUMNS``), coded per 2D cell."""
    if not stacks.pieces:
        return pd.DataFrame(columns=VERTICAL_COLUMNS)
    cell = np.asarray(stacks.cell)
    codes = np.empty(len(cell), dtype=object)
    for c in np.unique(cell):
        at = np.flatnonzero(cell == c)
        codes[at] = vertical_codes(str(cell_codes[c]), len(at))
    p = stacks.pieces
    return pd.DataFrame({
        "code": codes, "cell_code": cell_codes[cell], "community_code": community_code,
        "building": stacks.building, "households": [x.households for x in p],
        "split": [x.split for x in p],
        "unit_from": [x.units[0] for x in p], "unit_to": [x.units[1] for x in p],
        "floor_from": [x.floors[0] for x in p], "floor_to": [x.floors[1] for x in p],
        "others": [x.others for x in p],
    })


def holding(unit_from: np.ndarray, unit_to: np.ndarray, floor_from: np.ndarray,
            floor_to: np.ndarray, unit: float | None = None, floor: float | None = None
            ) -> np.ndarray:
    """Which vertical cells of one building hold entrance unit ``unit`` and floor ``floor``
    (either may be None: not asked): the rule that puts a household, record or place given a
    floor or unit into its vertical cell. A range not known (NaN) holds every value."""
    ok = np.ones(len(unit_from), dtype=bool)
    for value, lo, hi in ((unit, unit_from, unit_to), (floor, floor_from, floor_to)):
        if value is None:
            continue
        lo, hi = np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
        ok &= np.isnan(lo) | ((lo <= value) & (value <= hi))
    return ok


def stack_exceptions(frame: pd.DataFrame, bounds: Bounds) -> list[tuple[str, str, str, str]]:
    """Exception rows for vertical cells out of bounds: a unit or floor alone exceeds the
    maximum, or the building's households cannot be cut finer."""
    if frame.empty:  # most communities: no tall building (pandas' filter costs milliseconds)
        return []
    h = frame["households"].to_numpy()
    bad = np.flatnonzero((h < bounds.low) | (h > bounds.high))
    cols = [frame[c].to_numpy(dtype=object)[bad] for c in ("community_code", "code", "building")]
    return [(community, code, "vertical_granularity",
             f"vertical cell of building {building} has {h[i]} households, outside "
             f"[{bounds.low}, {bounds.high}]: its units and floors cannot be grouped finer")
            for community, code, building, i in zip(*cols, bad, strict=True)]
