"""Wangge's grid library: partition communities into cells, assign records, count and map them.

The public face is a handful of verbs; each lives in a module named after it. Imports are lazy so
that ``import grid`` stays cheap and modules written by others load only when used.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_VERBS = {"partition": "grid.partition", "plots": "grid.tessellate",
          "sequence_codes": "grid.codes"}

__all__ = sorted(_VERBS)


def __getattr__(name: str) -> Any:
    """Loads a public verb from its module on first use."""
    if name in _VERBS:
        return getattr(import_module(_VERBS[name]), name)
    raise AttributeError(f"module 'grid' has no attribute {name!r}")
