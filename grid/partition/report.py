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


def community_lines(cells: pd.DataFrame, exceptions: pd.DataFrame, communities: pd.DataFrame,
                    bounds: tuple[int, int]) -> list[str]:
    """Each community's line and its exceptions' lines, from per-community aggregates computed
    in one pass (a province has tens of thousands of communities)."""
    low, high = bounds
    g = cells.groupby("community_code", sort=False)
    agg = pd.DataFrame({"n": g.size(), "sum": g["households"].sum(), "min": g["households"].min(),
                        "med": g["households"].median(), "max": g["households"].max(),
                        "pp": g["polsby_popper"].median()}).reindex(communities["code"])
    exc_by: dict = {}
    for row in exceptions.itertuples(index=False):  # one step per exception, not per community
        exc_by.setdefault(row.community_code, []).append(
            f"  ! {row.cell_code or '-'} [{row.kind}] {row.reason}")
    own_bounds = ({str(c): (int(a), int(b)) for c, a, b in communities[
        ["code", "min_households", "max_households"]].itertuples(index=False)}
        if "max_households" in communities.columns else {})
    lines = []
    for code, name, n, total, lo, med, hi, pp in zip(
            communities["code"], communities["name"], agg["n"].fillna(0).astype(int),
            agg["sum"].fillna(0), agg["min"], agg["med"], agg["max"], agg["pp"], strict=True):
        label = f"{code} {name}" if name != code else str(code)
        own = own_bounds.get(code)
        if own is not None and own != (low, high):
            label += f" (bounds {own[0]}-{own[1]})"
        spread = f"{int(lo)}/{int(med)}/{int(hi)}" if n else "-"
        lines.append(f"{label}: {int(total)} households, {n} cells, households per cell "
                     f"min/median/max {spread}, median Polsby-Popper {float(pp):.2f}")
        lines += exc_by.get(code, [])
    return lines


def partition_report(
    cells: pd.DataFrame, exceptions: pd.DataFrame, communities: pd.DataFrame,
    bounds: tuple[int, int], vertical: pd.DataFrame | None = None,
) -> str:
    """Readable report: per community households, cells, min/median/max households per cell,
    median Polsby–Popper and each exception's reason; then totals over all communities, with
    vertical cells counted in place of the cells they stack under."""
    low, high = bounds
    lines = [f"Partition into cells of {low}-{high} households", "",
             *community_lines(cells, exceptions, communities, bounds)]
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
