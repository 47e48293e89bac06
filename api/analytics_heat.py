"""Heat, hot spots and period comparison over the pre-aggregate (never the raw records).

The counts come from ``heat_counts`` in SQL; everything computed on them — rolling fine bins up to
the zoom's resolution, the colour classes, Gi* with FDR, the period test — is grid's
(``grid.heat``, ``grid.hotspots``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import h3
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.access import Scope
from api.analytics_filters import Days, HeatFilter
from api.cellcache import CellCache, CellRow
from api.errors import InvalidInput
from api.models import utcnow
from api.models.analytics import HeatCount
from grid import heat as gheat
from grid import hotspots as ghot

REFERENCE_DAYS = 365


def scoped(q: Any, scope: Scope) -> Any:
    """``q`` on heat_counts limited to the cells the user may see."""
    if scope.cells is not None:
        q = q.where(HeatCount.cell_code.in_(sorted(scope.cells)))
    if scope.communities is not None:
        q = q.where(func.substr(HeatCount.cell_code, 1, 12).in_(sorted(scope.communities)))
    return q


def filtered(q: Any, f: HeatFilter, *, slices: bool = True) -> Any:
    """``q`` limited to the filter's days and, when ``slices``, its hours/weekdays/kinds/categories."""
    q = q.where(HeatCount.day >= f.days.start, HeatCount.day < f.days.end)
    if not slices:
        return q
    for col, wanted in (
        (HeatCount.hour, f.hours),
        (HeatCount.weekday, f.weekdays),
        (HeatCount.kind, f.kinds),
        (HeatCount.category, f.categories),
    ):
        if wanted is not None:
            q = q.where(col.in_(list(wanted)))
    return q


def fine_bins(
    session: Session, scope: Scope, f: HeatFilter, *, slices: bool = True
) -> pd.DataFrame:
    """Counts per fine H3 bin (``h3``, ``count``) for the filter, from the pre-aggregate."""
    q = select(HeatCount.h3, func.sum(HeatCount.count)).group_by(HeatCount.h3)
    rows = session.execute(filtered(scoped(q, scope), f, slices=slices)).all()
    return pd.DataFrame(rows, columns=["h3", "count"]).astype({"count": "int64"})


def cell_counts(session: Session, scope: Scope, f: HeatFilter) -> pd.Series:
    """Counts per cell code for the filter, from the pre-aggregate."""
    q = select(HeatCount.cell_code, func.sum(HeatCount.count)).group_by(HeatCount.cell_code)
    rows = session.execute(filtered(scoped(q, scope), f)).all()
    return pd.Series({c: int(n) for c, n in rows}, dtype="int64")


def resolution(zoom: float | None, res: int | None, lat: float, finest: int) -> int:
    """The H3 resolution of a request: ``res`` if given, else from the map ``zoom``."""
    if res is not None:
        if not 0 <= res <= finest:
            raise InvalidInput(f"res must be within 0..{finest}", ("query", "res"))
        return res
    return min(gheat.zoom_to_resolution(zoom if zoom is not None else 14, lat), finest)


def bins_at(session: Session, scope: Scope, f: HeatFilter, res: int) -> pd.DataFrame:
    """Counts per H3 bin at ``res`` (rolled up from the fine bins by grid.heat.to_parent)."""
    fine = fine_bins(session, scope, f)
    if fine.empty:
        return fine
    return gheat.to_parent(fine, res)


def reference_scale(
    session: Session, scope: Scope, f: HeatFilter, res: int
) -> tuple[gheat.ColourScale, Days]:
    """The colour scale from the reference year before the period's end (all kinds, categories,
    hours), with its breaks scaled to the period's length so colours mean the same rate."""
    ref = Days(f.days.end - timedelta(days=REFERENCE_DAYS), f.days.end)
    fine = fine_bins(session, scope, f.over(ref), slices=False)
    counts = gheat.to_parent(fine, res)["count"].to_numpy() if not fine.empty else np.zeros(0)
    scale = gheat.ColourScale.from_reference(counts)
    factor = f.days.length / REFERENCE_DAYS
    return gheat.ColourScale(tuple(b * factor for b in scale.breaks), scale.colours), ref


def hexagon(h: str) -> dict[str, Any]:
    """The GeoJSON polygon of an H3 cell (lon, lat order, closed ring)."""
    ring = [[lng, lat] for lat, lng in h3.cell_to_boundary(h)]
    return {"type": "Polygon", "coordinates": [ring + ring[:1]]}


def features(
    frame: pd.DataFrame, id_col: str, geoms: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """GeoJSON features, one per row: id from ``id_col``, the row as properties."""
    out = []
    for row in frame.to_dict("records"):
        key = str(row[id_col])
        props = {k: _plain(v) for k, v in row.items()}
        geom = geoms[key] if geoms is not None else hexagon(key)
        out.append({"type": "Feature", "id": key, "properties": props, "geometry": geom})
    return out


def _plain(v: Any) -> Any:
    """A JSON-safe scalar (NaN and infinities → None, numpy → Python)."""
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and not np.isfinite(v):
        return None
    return v


def heat_layer(session: Session, scope: Scope, f: HeatFilter, res: int) -> dict[str, Any]:
    """The heat layer at ``res``: bins with count, colour class and colour on the fixed scale."""
    bins = bins_at(session, scope, f, res)
    scale, ref = reference_scale(session, scope, f, res)
    bins = bins.sort_values("h3").reset_index(drop=True)
    bins["class"] = scale.classify(bins["count"]) if len(bins) else []
    bins["colour"] = scale.colour(bins["count"]) if len(bins) else []
    return {
        "type": "FeatureCollection",
        "resolution": res,
        "total": int(bins["count"].sum()),
        "from": f.days.start.isoformat(),
        "to": f.days.end.isoformat(),
        "scale": {
            "breaks": list(scale.breaks),
            "colours": list(scale.colours),
            "reference": {"from": ref.start.isoformat(), "to": ref.end.isoformat()},
        },
        "features": features(bins, "h3"),
    }


def visible_cells(cache: CellCache, scope: Scope) -> list[CellRow]:
    """The current cells the user may see."""
    return [r for r in cache.rows_valid_at(utcnow()) if scope.sees_cell(r.code, r.community_code)]


def universe(cells: list[CellRow], res: int, extra: pd.Series) -> np.ndarray:
    """The study area's H3 cells at ``res``: those covering the visible cells, plus ``extra``."""
    area = shapely.union_all([r.geom for r in cells]) if cells else shapely.Polygon()
    inside = set(h3.geo_to_cells(area, res)) if not area.is_empty else set()
    return np.array(sorted(inside | set(extra.astype(str))), dtype=object)


def h3_hotspots(
    session: Session, cache: CellCache, scope: Scope, f: HeatFilter, res: int, k: int, use_fdr: bool
) -> dict[str, Any]:
    """Gi* hot and cold spots of H3 bins over the study area (empty bins count 0)."""
    bins = bins_at(session, scope, f, res)
    area = universe(visible_cells(cache, scope), res, bins["h3"] if len(bins) else pd.Series([]))
    if area.size > 200_000:
        raise InvalidInput("too many bins for Gi*: zoom in or lower res", ("query", "res"))
    out = ghot.h3_hotspots(bins, k=k, universe=area, use_fdr=use_fdr)
    return {
        "type": "FeatureCollection",
        "on": "h3",
        "resolution": res,
        "k": k,
        "fdr": use_fdr,
        "features": features(out, "h3"),
    }


def cell_hotspots(
    session: Session, cache: CellCache, scope: Scope, f: HeatFilter, use_fdr: bool
) -> dict[str, Any]:
    """Gi* hot and cold spots of grid cells under queen contiguity."""
    cells = sorted(visible_cells(cache, scope), key=lambda r: r.code)
    counts = cell_counts(session, scope, f).reindex([r.code for r in cells], fill_value=0)
    weights = ghot.queen_weights([r.geom for r in cells])
    out = ghot.hotspots(counts.to_numpy(), weights, use_fdr=use_fdr)
    out.insert(0, "count", counts.to_numpy())
    out.insert(0, "cell_code", counts.index.to_numpy())
    geoms = {r.code: shapely.geometry.mapping(r.geom) for r in cells}
    return {
        "type": "FeatureCollection",
        "on": "cell",
        "fdr": use_fdr,
        "features": features(out, "cell_code", geoms),
    }


def _series(bins: pd.DataFrame) -> pd.Series:
    """Bins as a count Series indexed by H3 (empty when there are none)."""
    if bins.empty:
        return pd.Series(dtype="int64")
    return bins.set_index("h3")["count"]


def compare(
    session: Session, scope: Scope, f: HeatFilter, base: Days, res: int, alpha: float
) -> dict[str, Any]:
    """Per-bin rise or fall from the ``base`` period to the filter's period beyond chance
    (grid.hotspots.compare_periods, exposures = period lengths in days)."""
    a = _series(bins_at(session, scope, f.over(base), res))
    b = _series(bins_at(session, scope, f, res))
    keys = sorted(set(a.index) | set(b.index))
    a, b = a.reindex(keys, fill_value=0), b.reindex(keys, fill_value=0)
    out = ghot.compare_periods(
        a.to_numpy(), b.to_numpy(), exposure_a=base.length, exposure_b=f.days.length, alpha=alpha
    )
    out.insert(0, "h3", keys)
    return {
        "type": "FeatureCollection",
        "resolution": res,
        "alpha": alpha,
        "test": "binomial split of each bin's total by period length, Benjamini-Hochberg FDR",
        "a": {"from": base.start.isoformat(), "to": base.end.isoformat()},
        "b": {"from": f.days.start.isoformat(), "to": f.days.end.isoformat()},
        "features": features(out, "h3"),
    }


def fine_in_bin(
    session: Session, scope: Scope, f: HeatFilter, bin_id: str, finest: int
) -> list[str]:
    """The fine H3 bins with records in the filter that lie inside ``bin_id``."""
    if not h3.is_valid_cell(bin_id):
        raise InvalidInput(f"'{bin_id}' is not an H3 cell index", ("path", "h3"))
    res = h3.get_resolution(bin_id)
    if res > finest:
        raise InvalidInput(f"bins are at most resolution {finest}", ("path", "h3"))
    fine = fine_bins(session, scope, f)["h3"].astype(str)
    return [c for c in fine if h3.cell_to_parent(c, res) == bin_id]
