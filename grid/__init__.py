"""Wangge's grid library: partition communities into cells, assign records, count and map them.

The public face is a handful of verbs; each lives in a module named after it. Most load lazily
on first use; the four named like their module are bound at import (see below).
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
    "partition": "grid.partition",
    "plots": "grid.tessellate",
    "sequence_codes": "grid.codes",
    # assign records
    "CellIndex": "grid.assign",
    "assign_cells": "grid.assign",
    "h3_index": "grid.assign",
    # count
    "counts": "grid.counts",
    "kpis": "grid.counts",
    "patrol_coverage": "grid.counts",
    # heat and hotspots
    "heat": "grid.heat",
    "zoom_to_resolution": "grid.heat",
    "hotspots": "grid.hotspots",
    "h3_hotspots": "grid.hotspots",
    "compare_periods": "grid.hotspots",
    # coverage and siting
    "coverage_straight": "grid.coverage",
    "coverage_network": "grid.coverage",
    "site_centres": "grid.siting",
}

__all__ = sorted(_VERBS)


# Verbs named like their own module are bound now: importing a submodule sets the package
# attribute to the module, which would shadow the lazy verb (grid.partition would stop being
# callable after anything imported grid.partition).
from grid.counts import counts as counts  # noqa: E402
from grid.heat import heat as heat  # noqa: E402
from grid.hotspots import hotspots as hotspots  # noqa: E402
from grid.partition import partition as partition  # noqa: E402


def __getattr__(name: str) -> Any:
    """Loads a public verb from its module on first use."""
    if name in _VERBS:
        return getattr(import_module(_VERBS[name]), name)
    raise AttributeError(f"module 'grid' has no attribute {name!r}")
