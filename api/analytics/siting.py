"""Where to add service centres over the store: capacitated maximal covering by straight line or
walking on the loaded roads (``grid.analysis.capacitated``), candidates at building centroids.

The households, centres and road graph are the coverage view's (``api.analytics.coverage``), so
the promise the planner reads ("served after") is the one the coverage view will show once the
sites are added: within reach in the chosen mode and within every centre's capacity.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.analytics.coverage import _point, centres, households, road_graph
from api.errors import InvalidInput
from grid.analysis import coverage as gcov
from grid.analysis.capacitated import site_capacitated

MAX_CANDIDATES = {"straight": 1500, "walking": 400}  # walking costs a Dijkstra per candidate


def _candidates(xy: np.ndarray, mode: str) -> np.ndarray:
    """Distinct building centroids (to the metre), evenly thinned to the mode's maximum."""
    cand = np.unique(np.round(xy, 0), axis=0)
    top = MAX_CANDIDATES[mode]
    if len(cand) > top:
        cand = cand[np.linspace(0, len(cand) - 1, top).astype(int)]
    return cand


def siting(
    session: Session,
    scope: Scope,
    community: str | None,
    k: int,
    kind: str,
    radius: float | None,
    capacity: int | None,
    mode: str,
) -> dict[str, Any]:
    """Where to add ``k`` centres of ``kind`` (radius and capacity default to the kind's) so the
    most households are served, with the existing centres, within reach and capacity."""
    if kind not in gcov.CENTRE_KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(gcov.CENTRE_KINDS)}", ("query", "kind"))
    spec = gcov.CENTRE_KINDS[kind]
    r, cap = radius or spec.radius_m, capacity or spec.capacity
    hh = households(session, scope, community)
    cand = _candidates(hh.xy, mode)
    if not 1 <= k <= len(cand):
        raise InvalidInput(f"k must be within 1..{len(cand)}", ("query", "k"))
    roads = road_graph(session, hh.to_metric) if mode == "walking" else None
    if mode == "walking" and roads is None:
        raise InvalidInput("walking siting needs roads; none are loaded", ("query", "mode"))
    cs = centres(session)
    ex = np.column_stack(hh.to_metric.transform(cs.lon.to_numpy(), cs.lat.to_numpy()))
    result = site_capacitated(
        hh.xy,
        cand,
        k,
        r,
        cap,
        existing_xy=ex if len(cs) else None,
        existing_radius=cs.radius_m.to_numpy(float),
        existing_capacity=cs.capacity.to_numpy(float),
        weights=hh.weight,
        roads=roads,
    )
    lon, lat = hh.to_wgs84.transform(cand[result.chosen, 0], cand[result.chosen, 1])
    load = result.load[len(cs) :]
    layer: dict[str, Any] = {"type": "FeatureCollection", "features": []}
    for i, (x, y) in enumerate(zip(lon, lat, strict=True)):
        props = {"rank": i + 1, "kind": kind, "radius_m": r, "capacity": cap}
        _point(layer, float(x), float(y), {**props, "allocated": float(load[i])})
    total = float(hh.weight.sum())
    return {
        "k": k,
        "kind": kind,
        "mode": mode,
        "radius_m": r,
        "capacity": cap,
        "sites": layer,
        "households": total,
        "covered_before": result.served_before,
        "gain": result.gain,
        "covered_after": result.served_after,
        "share_before": result.served_before / total,
        "share_after": result.served_after / total,
        "method": result.method,
    }
