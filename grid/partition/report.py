"""The text report of a partition: per community and in total, with every exception explained."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _spread(h: np.ndarray) -> str:
    """min/median/max of household counts, as ``a/b/c``."""
    if len(h) == 0:
        return "-"
    return f"{int(h.min())}/{int(np.median(h))}/{int(h.max())}"


def in_bounds_share(
    cells: pd.DataFrame, vertical: pd.DataFrame, communities: pd.DataFrame,
    bounds: tuple[int, int],
) -> tuple[float, float, int]:
    """Share of cells and of households within their community's bounds, counting a stacked
    cell's vertical cells in its place (DESIGN §6: every household in a cell of at most the
    maximum), and how many cells that makes."""
    stacked = cells["code"].isin(set(vertical["code"].str[:15])) if len(vertical) else False
    units = pd.concat([cells.loc[~stacked, ["community_code", "households"]],
                       vertical[["community_code", "households"]]], ignore_index=True)
    lo = units["community_code"].map(dict(zip(communities["code"], communities.get(
        "min_households", pd.Series(bounds[0], index=communities.index)), strict=True)))
    hi = units["community_code"].map(dict(zip(communities["code"], communities.get(
        "max_households", pd.Series(bounds[1], index=communities.index)), strict=True)))
    h = units["households"].to_numpy(dtype=float)
    ok = (h >= lo.fillna(bounds[0]).to_numpy()) & (h <= hi.fillna(bounds[1]).to_numpy())
    if len(h) == 0:
        return 0.0, 0.0, 0
    return float(ok.mean()), float(h[ok].sum() / max(h.sum(), 1.0)), len(h)


def partition_report(
    cells: pd.DataFrame, exceptions: pd.DataFrame, communities: pd.DataFrame,
    bounds: tuple[int, int], vertical: pd.DataFrame | None = None,
) -> str:
    """Readable report: per community households, cells, min/median/max households per cell,
    median Polsby–Popper and each exception's reason; then totals over all communities, with
    vertical cells counted in place of the cells they stack under."""
    low, high = bounds
    lines = [f"Partition into cells of {low}-{high} households", ""]
    by_comm = dict(tuple(cells.groupby("community_code", sort=False)))
    exc_by = dict(tuple(exceptions.groupby("community_code", sort=False, dropna=False)))
    own_bounds = ({str(c): (int(a), int(b)) for c, a, b in communities[
        ["code", "min_households", "max_households"]].itertuples(index=False)}
        if "max_households" in communities.columns else {})
    for code, name in communities[["code", "name"]].itertuples(index=False):
        c = by_comm.get(code, cells.iloc[:0])
        h = c["households"].to_numpy()
        pp = float(np.median(c["polsby_popper"])) if len(c) else float("nan")
        label = f"{code} {name}" if name != code else str(code)
        own = own_bounds.get(code)
        if own is not None and own != (low, high):
            label += f" (bounds {own[0]}-{own[1]})"
        lines.append(
            f"{label}: {int(h.sum())} households, {len(c)} cells, households per cell "
            f"min/median/max {_spread(h)}, median Polsby-Popper {pp:.2f}"
        )
        for row in exc_by.get(code, exceptions.iloc[:0]).itertuples(index=False):
            lines.append(f"  ! {row.cell_code or '-'} [{row.kind}] {row.reason}")
    loose = exceptions[exceptions["community_code"].isna()]
    for row in loose.itertuples(index=False):
        lines.append(f"! [{row.kind}] {row.reason}")
    h = cells["households"].to_numpy()
    inside = float(((h >= low) & (h <= high)).mean() * 100) if len(h) else 0.0
    pp_all = float(np.median(cells["polsby_popper"])) if len(cells) else float("nan")
    lines += [
        "",
        f"Total: {len(communities)} communities, {int(h.sum())} households, {len(cells)} cells "
        f"({inside:.1f}% within {low}-{high}), households per cell min/median/max "
        f"{_spread(h)}, median Polsby-Popper {pp_all:.2f}, {len(exceptions)} exception(s)",
    ]
    if vertical is not None and len(vertical):
        cell_share, hh_share, n = in_bounds_share(cells, vertical, communities, bounds)
        lines.append(
            f"Vertical cells: {len(vertical)} below {vertical['cell_code'].nunique()} cells of "
            f"buildings over the maximum; with them, {cell_share * 100:.1f}% of {n} cells and "
            f"{hh_share * 100:.1f}% of households are within bounds")
    if len(exceptions):
        counts = exceptions["kind"].value_counts().sort_index()
        lines.append("Exceptions by kind: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return "\n".join(lines)
