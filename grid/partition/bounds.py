"""Household bounds of a cell (DESIGN §6): how many households a cell may hold, and how many
cells a number of households should make. One definition for the partition, its checks and
the vertical cells."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Bounds:
    """Households allowed per cell, ``low`` ≤ h ≤ ``high``; cells aim for the middle."""

    low: int
    high: int

    @property
    def target(self) -> float:
        """The household count cells aim for, leaving room to grow and shrink."""
        return (self.low + self.high) / 2.0

    def cells_for(self, total: float) -> tuple[int, bool]:
        """How many cells ``total`` households should make, and whether that count is feasible."""
        kmin = math.ceil(total / self.high)
        kmax = math.floor(total / self.low)
        k = int(round(total / self.target))
        if kmin <= kmax:
            return max(1, min(max(k, kmin), kmax)), True
        return max(1, k), False
