"""Wangge's grid library: partition communities into cells, assign records, count and map them.

The public face is a handful of verbs, loaded lazily on first use so ``import grid`` stays cheap.
Each lives in a module named after its operation; the verbs named exactly like their module
(``partition``, ``counts``, ``heat``, ``hotspots``) are imported from it
(``from grid.partition import partition``), because a package attribute cannot be both the
module and the function without breaking one of them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_VERBS = {
    # read and prepare
    "read_layer": "grid.io",
    "write_layer": "grid.io",
    "estimate_households": "grid.households",
    # partition
    "plots": "grid.tessellate",
    "sequence_codes": "grid.codes",
    # assign records
    "CellIndex": "grid.assign",
    "assign_cells": "grid.assign",
    "h3_index": "grid.assign",
    "h3_cell": "grid.assign",
    # count
    "kpis": "grid.counts",
    "patrol_coverage": "grid.counts",
    # heat and hotspots
    "zoom_to_resolution": "grid.heat",
    "h3_hotspots": "grid.hotspots",
    "compare_periods": "grid.hotspots",
    # coverage and siting
    "coverage_straight": "grid.coverage",
    "coverage_network": "grid.coverage",
    "site_centres": "grid.siting",
}

__all__ = sorted(_VERBS)


def __getattr__(name: str) -> Any:
    """Loads a public verb from its module on first use."""
    if name in _VERBS:
        return getattr(import_module(_VERBS[name]), name)
    raise AttributeError(f"module 'grid' has no attribute {name!r}")
