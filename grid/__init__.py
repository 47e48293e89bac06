"""Wangge's grid library: partition communities into cells, assign records, count and map them.

The public face is a handful of verbs, loaded lazily on first use so ``import grid`` stays cheap.
They live in four subpackages named after what they do: ``grid.input`` (read, check and prepare
layers), ``grid.partition`` (communities into cells), ``grid.analysis`` (records onto cells and
H3, counts, heat, hot spots, coverage, siting) and ``grid.domain`` (catalog, case flow, codes);
``errors``, ``geomops`` and ``cli`` are shared beside them. The partition verb is imported from
its package (``from grid.partition import partition``), because a package attribute cannot be
both the subpackage and the function without breaking one of them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_VERBS = {
    # read and prepare
    "read_layer": "grid.input.io",
    "write_layer": "grid.input.io",
    "estimate_households": "grid.input.households",
    "prepare": "grid.input.prepare",
    # partition
    "plots": "grid.partition.tessellate",
    "sequence_codes": "grid.domain.codes",
    # assign records
    "CellIndex": "grid.analysis.assign",
    "assign_cells": "grid.analysis.assign",
    "h3_index": "grid.analysis.h3index",
    "h3_cell": "grid.analysis.h3index",
    # count
    "kpis": "grid.analysis.counts",
    "patrol_coverage": "grid.analysis.counts",
    # heat and hotspots
    "zoom_to_resolution": "grid.analysis.heat",
    "h3_hotspots": "grid.analysis.hotspots",
    "compare_periods": "grid.analysis.hotspots",
    # coverage and siting
    "coverage_straight": "grid.analysis.coverage",
    "coverage_network": "grid.analysis.coverage",
    "site_centres": "grid.analysis.siting",
}

__all__ = sorted(_VERBS)


def __getattr__(name: str) -> Any:
    """Loads a public verb from its module on first use."""
    if name in _VERBS:
        return getattr(import_module(_VERBS[name]), name)
    raise AttributeError(f"module 'grid' has no attribute {name!r}")
