"""Vertical cells (楼栋网格) in the store: a cell's stack at a moment, the vertical cell of a
floor and unit, and the records counted per vertical cell (issue 16)."""

from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.models import Record, VerticalCell
from grid.partition.vertical import holding


def stack_at(session: Session, cell_code: str, at: datetime) -> list[VerticalCell]:
    """The vertical cells below ``cell_code`` in force at ``at``, in code order."""
    q = select(VerticalCell).where(VerticalCell.cell_code == cell_code,
                                   VerticalCell.valid_at(at))
    return list(session.scalars(q.order_by(VerticalCell.code)))


def holding_rows(rows: list[VerticalCell], unit: int | None, floor: int | None
                 ) -> list[VerticalCell]:
    """The rows holding ``unit`` and ``floor`` by the one rule, ``grid...vertical.holding``."""
    if not rows or (unit is None and floor is None):
        return rows
    r = np.array([[v.unit_from, v.unit_to, v.floor_from, v.floor_to] for v in rows], dtype=float)
    keep = holding(r[:, 0], r[:, 1], r[:, 2], r[:, 3], unit, floor)
    return [v for v, k in zip(rows, keep, strict=True) if k]


def vertical_code_at(session: Session, cell_code: str, at: datetime, unit: int | None,
                     floor: int | None) -> str | None:
    """The vertical cell of ``cell_code`` holding ``unit`` and ``floor`` at ``at``; None when
    the cell has no stack or the floor and unit do not pick exactly one of its cells."""
    found = holding_rows(stack_at(session, cell_code, at), unit, floor)
    return found[0].code if len(found) == 1 else None


def record_counts(session: Session, codes: list[str]) -> dict[str, int]:
    """Records per vertical cell code."""
    if not codes:
        return {}
    q = (select(Record.vertical_code, func.count()).where(Record.vertical_code.in_(codes))
         .group_by(Record.vertical_code))
    return {str(code): int(n) for code, n in session.execute(q)}
