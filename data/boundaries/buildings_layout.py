"""Building layout for the generated Heping sample: footprints per block, thinned to a target.

Used by ``generate.py`` beside it. Walk-up rows (5–7 storeys), tower estates (15–30), schools and
shop/office blocks; "true" households are floor area ÷ 90 m² ± 15%, then attributes are blanked
at random so that estimation is exercised.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely import affinity

AREA_PER_HOUSEHOLD = 90.0  # m² of floor area per household, as in DESIGN §7


def centred_lattice(lo: float, hi: float, size: float, step: float) -> np.ndarray:
    """Start offsets of as many ``size``-long items at ``step`` as fit in [lo, hi], centred."""
    n = int((hi - lo - size) // step) + 1
    if n <= 0:
        return np.empty(0)
    return lo + (hi - lo - size - (n - 1) * step) / 2.0 + step * np.arange(n)


def layout_block(
    rng: np.random.Generator, block: shapely.Geometry, angle: float, kind: str
) -> list[tuple[shapely.Geometry, str, int]]:
    """Building footprints (metric) for one block of the given kind, as (geometry, type, levels)."""
    c = shapely.centroid(block)
    frame = affinity.rotate(block, -angle, origin=c)
    inner = shapely.buffer(frame, -7.0, join_style="mitre")
    if inner.is_empty or inner.area < 600:
        return []
    minx, miny, maxx, maxy = inner.bounds
    if kind == "walkup":
        w, d = rng.uniform(30, 60), rng.uniform(10.5, 13.0)
        step_x, step_y = w + rng.uniform(5, 9), d + rng.uniform(11, 15)
    elif kind == "tower":
        w, d = rng.uniform(22, 32), rng.uniform(16, 22)
        step_x, step_y = w + rng.uniform(18, 28), d + rng.uniform(22, 32)
    else:  # shops and offices along the commercial blocks
        w, d = rng.uniform(25, 45), rng.uniform(18, 30)
        step_x, step_y = w + rng.uniform(4, 10), d + rng.uniform(6, 14)
    gx, gy = centred_lattice(minx, maxx, w, step_x), centred_lattice(miny, maxy, d, step_y)
    if len(gx) == 0 or len(gy) == 0:
        return []
    x0, y0 = np.meshgrid(gx, gy)
    x0, y0 = x0.ravel(), y0.ravel()
    rects = shapely.box(x0, y0, x0 + w, y0 + d)
    rects = rects[shapely.contains(inner, rects)]
    out = []
    school_at = (
        int(rng.integers(len(rects)))
        if kind == "walkup" and len(rects) > 6 and rng.random() < 0.25
        else -1
    )
    for i, r in enumerate(rects):
        g = affinity.rotate(r, angle, origin=c)
        if i == school_at:
            out.append((g, "school", int(rng.integers(3, 5))))
        elif kind == "walkup":
            out.append(
                (g, "apartments" if rng.random() < 0.7 else "residential", int(rng.integers(5, 8)))
            )
        elif kind == "tower":
            out.append((g, "apartments", int(rng.integers(15, 31))))
        else:
            out.append(
                (
                    g,
                    "retail"
                    if rng.random() < 0.5
                    else ("commercial" if rng.random() < 0.6 else "office"),
                    int(rng.integers(2, 9)),
                )
            )
    return out


def make_buildings(rng: np.random.Generator, blocks_m: np.ndarray, angle: float) -> list[dict]:
    """Buildings over all blocks with types, levels and 'true' households before thinning."""
    kinds = rng.choice(["walkup", "tower", "commercial"], size=len(blocks_m), p=[0.7, 0.15, 0.15])
    rows = []
    for block, kind in zip(blocks_m, kinds, strict=True):
        for geom, btype, levels in layout_block(rng, block, angle, str(kind)):
            residential = btype in ("apartments", "residential")
            area = geom.area
            true_hh = (
                int(round(area * levels / AREA_PER_HOUSEHOLD * rng.uniform(0.85, 1.15)))
                if residential
                else 0
            )
            rows.append(
                {
                    "geometry": geom,
                    "type": btype,
                    "levels": levels,
                    "true_households": true_hh,
                    "length": max(geom.exterior.length / 2 - 12, 10.0),
                }
            )
    return rows


def thin_to_target(rng: np.random.Generator, rows: list[dict], target: int) -> list[dict]:
    """Residential buildings randomly dropped until the total households is close to ``target``."""
    order = rng.permutation(len(rows))
    total = sum(r["true_households"] for r in rows)
    drop: set[int] = set()
    for i in order.tolist():
        if total <= target:
            break
        if rows[i]["true_households"] > 0:
            drop.add(i)
            total -= rows[i]["true_households"]
    return [r for i, r in enumerate(rows) if i not in drop]


def attributes(rng: np.random.Generator, rows: list[dict]) -> list[dict]:
    """Public attributes with realistic gaps: levels, height, households, units often missing."""
    out = []
    for n, r in enumerate(rows, start=1):
        levels = r["levels"] if rng.random() < 0.7 else None
        height = (
            round(r["levels"] * 3.0 + float(rng.uniform(-0.5, 1.5)), 1)
            if rng.random() < 0.4
            else None
        )
        households = r["true_households"] if rng.random() < 0.6 else None
        units = None
        if r["true_households"] > 0 and rng.random() < 0.6:
            units = (
                max(1, int(round(r["length"] / 16.0)))
                if r["levels"] < 10
                else int(rng.integers(1, 3))
            )
        out.append(
            {
                "id": n,
                "type": r["type"],
                "levels": levels,
                "height": height,
                "households": households,
                "units": units,
            }
        )
    return out
