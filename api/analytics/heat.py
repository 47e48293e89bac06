"""Heat, hot spots and period comparison over the pre-aggregate (never the raw records).

The counts per bin come from ``heat_bins``/``heat_counts`` in SQL (``api.analytics.heatquery``),
already at
the request's resolution where one is stored; everything computed on them — the roll-up of other
resolutions, the colour classes, Gi* with FDR, the period test — is grid's (``grid.analysis.heat``,
``grid.analysis.hotspots``).
"""

from __future__ import annotations

from typing import Any

import h3
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Connection
from sqlalchemy.orm import Session

# the modules (``from grid import heat`` is grid's ``heat`` verb, a function)
import grid.analysis.heat as gheat
import grid.analysis.hotspots as ghot
from api.accounts.access import Scope
from api.analytics import heatquery as hq
from api.analytics.filters import Days, HeatFilter
from api.areas.cellcache import CellCache, CellRow
from api.errors import InvalidInput
from api.models import utcnow
from grid.analysis.heat import ColourScale

Db = Session | Connection


def _frame(rows: Any) -> pd.DataFrame:
    """Rows of (h3, count) as a frame."""
    return pd.DataFrame(rows, columns=["h3", "count"]).astype({"count": "int64"})


def fine_bins(db: Db, scope: Scope, f: HeatFilter, *, slices: bool = True) -> pd.DataFrame:
    """Counts per finest H3 bin (``h3``, ``count``) for the filter, from ``heat_counts``."""
    return _frame(db.execute(hq.fine_query(scope, f, "h3", slices=slices)).all())


def cell_counts(db: Db, scope: Scope, f: HeatFilter) -> pd.Series:
    """Counts per cell code for the filter, from ``heat_counts``."""
    rows = db.execute(hq.fine_query(scope, f, "cell_code")).all()
    return pd.Series({c: int(n) for c, n in rows}, dtype="int64")


def resolution(zoom: float | None, res: int | None, lat: float, finest: int) -> int:
    """The H3 resolution of a request: ``res`` if given, else from the map ``zoom``."""
    if res is not None:
        if not 0 <= res <= finest:
            raise InvalidInput(f"res must be within 0..{finest}", ("query", "res"))
        return res
    return min(gheat.zoom_to_resolution(zoom if zoom is not None else 14, lat), finest)


def bins_at(
    db: Db, scope: Scope, f: HeatFilter, res: int, finest: int, *, slices: bool = True
) -> pd.DataFrame:
    """Counts per H3 bin at ``res`` sorted by bin: from ``heat_bins`` at the stored resolution
    nearest ``res`` (district-wide users) or from the finest bins, rolled up by
    grid.analysis.heat.to_parent only when that resolution is not ``res`` itself."""
    src = hq.stored_resolution(res, finest) if hq.district_wide(scope) else None
    if src is not None:
        out = _frame(db.execute(hq.bins_query(f, src, slices=slices)).all())
    else:
        src, out = finest, fine_bins(db, scope, f, slices=slices)
    if src != res and not out.empty:
        return gheat.to_parent(out, res)
    return out.sort_values("h3").reset_index(drop=True)


def reference_scale(
    db: Db, scope: Scope, f: HeatFilter, res: int, finest: int
) -> tuple[ColourScale, Days]:
    """The colour scale of a period at ``res``: whole-number quantile breaks of the period's
    counts per bin over all kinds, categories, hours and weekdays
    (``ColourScale.integer_classes``), so classes stay fixed while those filters change and
    still separate the bins seen at this zoom."""
    counts = bins_at(db, scope, f, res, finest, slices=False)["count"].to_numpy()
    return gheat.ColourScale.integer_classes(counts), f.days


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


def heat_layer(
    session: Session, scope: Scope, f: HeatFilter, res: int, finest: int
) -> dict[str, Any]:
    """The heat layer at ``res``: bins with count, colour class and colour on the fixed scale."""
    bins = bins_at(session, scope, f, res, finest)
    scale, ref = reference_scale(session, scope, f, res, finest)
    bins["class"] = scale.classify(bins["count"]) if len(bins) else []
    bins["colour"] = scale.colour(bins["count"]) if len(bins) else []
    return {
        "type": "FeatureCollection",
        "resolution": res,
        "total": int(bins["count"].sum()),
        "from": f.days.start.isoformat(),
        "to": f.days.end.isoformat(),
        "scale": {
            "breaks": [int(b) for b in scale.breaks],
            "labels": list(scale.labels()),
            "colours": list(scale.colours),
            "unit": {"zh": "条记录/格（本期）", "en": "records per bin in the period"},
            "reference": {"from": ref.start.isoformat(), "to": ref.end.isoformat()},
        },
        "features": features(bins, "h3"),
    }


def visible_cells(cache: CellCache, scope: Scope) -> list[CellRow]:
    """The current cells the user may see."""
    return [r for r in cache.rows_valid_at(utcnow()) if scope.sees_cell(r.code, r.community_code)]


def universe(cells: list[CellRow], res: int, extra: pd.Series) -> np.ndarray:
    """The study area's H3 cells at ``res``: those covering the visible cells, plus ``extra``."""
    return gheat.study_area([r.geom for r in cells], res, extra.astype(str).to_numpy())


def h3_hotspots(
    session: Session,
    cache: CellCache,
    scope: Scope,
    f: HeatFilter,
    res: int,
    finest: int,
    k: int,
    use_fdr: bool,
) -> dict[str, Any]:
    """Gi* hot and cold spots of H3 bins over the study area (empty bins count 0)."""
    bins = bins_at(session, scope, f, res, finest)
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
    session: Session, scope: Scope, f: HeatFilter, base: Days, res: int, finest: int, alpha: float
) -> dict[str, Any]:
    """Per-bin rise or fall from the ``base`` period to the filter's period beyond chance
    (grid.analysis.hotspots.compare_periods, exposures = period lengths in days)."""
    a = _series(bins_at(session, scope, f.over(base), res, finest))
    b = _series(bins_at(session, scope, f, res, finest))
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
    return list(gheat.children_in(fine.to_numpy(), bin_id))
