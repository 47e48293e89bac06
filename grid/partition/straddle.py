"""Which community each building belongs to, and the buildings straddling community lines.

Where communities were drawn along lanes or by hand, some footprints cross their lines. Such a
building is counted whole in the community holding most of its footprint (``majority``, the
default, each one reported), or the partition refuses the input (``fail``). A building whose
anchor lies outside its majority community is anchored inside its part there, so its plot and
cell hold it. Cells never cross community lines, so a straddler's footprint outside its
community lies in the neighbour's cells, as the report says.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from grid.errors import InputError
from grid.geomops import representative_xy

#: How a straddling building is treated: counted in its majority community, or refused.
STRADDLING_MODES = ("majority", "fail")
#: A footprint crosses a community line when more than this share of it lies on the far side.
STRADDLE_SHARE = 0.01


@dataclass
class Owners:
    """Each building's community (position, -1 for none), its anchor (metric, moved inside its
    community where needed) and the exception rows for straddlers (``straddlers``: the building
    each row is about)."""

    owner: np.ndarray
    anchors: np.ndarray
    rows: list[tuple[str, None, str, str]]
    straddlers: list[int]


def _anchor_owner(community_geoms: np.ndarray, anchor_xy: np.ndarray) -> np.ndarray:
    """Position of the community holding each building's anchor point (the first one listed
    when several do), -1 for none."""
    # The points in the tree and the communities as queries: each community is prepared once,
    # not each point. Hits come by community, so the first listed is written last.
    hit_c, hit_b = shapely.STRtree(shapely.points(anchor_xy)).query(community_geoms,
                                                                    predicate="intersects")
    owner = np.full(len(anchor_xy), -1, dtype=np.int64)
    owner[hit_b[::-1]] = hit_c[::-1]
    return owner


def _shares(community_geoms: np.ndarray, footprints: np.ndarray) -> tuple:
    """(building, community, share of the footprint's area) for every footprint crossing
    more than one community."""
    area = shapely.area(footprints)
    c, b = shapely.STRtree(footprints).query(community_geoms, predicate="intersects")
    poly = area[b] > 0
    b, c = b[poly], c[poly]
    many = np.bincount(b, minlength=len(footprints)) > 1
    b, c = b[many[b]], c[many[b]]
    share = shapely.area(shapely.intersection(footprints[b], community_geoms[c])) / area[b]
    return b, c, share


def owners(
    community_geoms: np.ndarray, codes: np.ndarray, footprints: np.ndarray, names: np.ndarray,
    mode: str = "majority",
) -> Owners:
    """Communities of the buildings (metric geometries) by their anchor, and by the majority
    of their footprint for those crossing a community line (reported, or refused when ``mode``
    is ``fail``)."""
    if mode not in STRADDLING_MODES:
        raise InputError(f"straddling must be one of {', '.join(STRADDLING_MODES)}, not "
                         f"{mode!r}", source="partition", field="straddling")
    anchors = representative_xy(footprints)
    owner = _anchor_owner(community_geoms, anchors)
    b, c, share = _shares(community_geoms, footprints)
    order = np.lexsort((c, -share, b))
    b, c, share = b[order], c[order], share[order]
    # Each building listed here crosses at least two communities: its largest share comes
    # first, then the second largest.
    firsts = np.flatnonzero(np.r_[True, b[1:] != b[:-1]]) if len(b) else np.empty(0, int)
    firsts = firsts[share[np.minimum(firsts + 1, len(b) - 1)] > STRADDLE_SHARE]
    rows, straddlers = [], []
    if len(firsts) and mode == "fail":
        k = firsts[0]
        raise InputError(
            f"building straddles communities {codes[c[k]]} ({share[k]:.0%}) and "
            f"{codes[c[k + 1]]} ({share[k + 1]:.0%})", source="buildings",
            feature=names[b[k]], field="geometry")
    for k in firsts:  # one step per straddling building
        i, home = int(b[k]), int(c[k])
        parts = [f"{codes[cc]} ({s:.0%})" for cc, s in zip(c[k:][b[k:] == i], share[k:][b[k:] == i],
                                                             strict=True)]
        rows.append((str(codes[home]), None, "straddling_building",
                     f"building {names[i]} straddles communities {', '.join(parts)}: counted "
                     f"whole in {codes[home]}, which holds most of it"))
        owner[i] = home
        straddlers.append(i)
    moved = np.flatnonzero((owner >= 0) & ~shapely.intersects_xy(
        community_geoms[np.maximum(owner, 0)], anchors[:, 0], anchors[:, 1]))
    if len(moved):
        inside = shapely.intersection(footprints[moved], community_geoms[owner[moved]])
        anchors[moved] = representative_xy(inside)
    return Owners(owner, anchors, rows, straddlers)
