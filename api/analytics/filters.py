"""Query parameters shared by the analytics endpoints: local-day periods and heat filters.

Periods are whole local days (Asia/Shanghai) ``[from, to)``, given as ``from``/``to`` dates or as
``period=YYYY-MM`` (a calendar month), parsed and range-checked by ``api.periods`` (re-exported
here for the analytics modules); hours (0–23) and weekdays (0 = Monday) are comma lists with
ranges (``hours=18-23,0-2``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Query

from api.checks import check_filter_category
from api.errors import InvalidInput
from api.periods import Days, days, month
from grid.domain.catalog import RecordKind

__all__ = ["Days", "HeatFilter", "days", "heat_filter", "int_list", "month"]


def int_list(text: str | None, lo: int, hi: int, name: str) -> tuple[int, ...] | None:
    """A comma list of integers and ranges (``1,3-5``) within [lo, hi]; None when not given."""
    if text is None or text.strip() == "":
        return None
    out: set[int] = set()
    for part in text.split(","):
        a, sep, b = part.strip().partition("-")
        try:
            first, last = int(a), int(b) if sep else int(a)
        except ValueError as e:
            raise InvalidInput(
                f"{name} must be numbers or ranges like 18-23", ("query", name)
            ) from e
        if not (lo <= first <= hi and lo <= last <= hi) or last < first:
            raise InvalidInput(
                f"{name} must be within {lo}..{hi} (ranges low-high)", ("query", name)
            )
        out.update(range(first, last + 1))
    return tuple(sorted(out))


@dataclass(frozen=True)
class HeatFilter:
    """What the heat, hotspot and compare queries count: period, hours, weekdays, kinds,
    categories."""

    days: Days
    hours: tuple[int, ...] | None
    weekdays: tuple[int, ...] | None
    kinds: tuple[str, ...] | None
    categories: tuple[str, ...] | None

    def over(self, days: Days) -> HeatFilter:
        """The same filter over other days."""
        return replace(self, days=days)


def heat_filter(
    days_: Annotated[Days, Depends(days)],
    hours: Annotated[str | None, Query(description="local hours, e.g. 18-23,0-2")] = None,
    weekdays: Annotated[str | None, Query(description="0 = Monday, e.g. 5,6")] = None,
    kind: Annotated[list[RecordKind] | None, Query()] = None,
    category: Annotated[list[str] | None, Query()] = None,
) -> HeatFilter:
    """The heat filters; categories must belong to the chosen kinds (or to some kind)."""
    kinds = tuple(k.value for k in kind) if kind else None
    for i, c in enumerate(category or []):
        check_filter_category(kinds, c, ("query", "category", i))
    return HeatFilter(
        days_,
        int_list(hours, 0, 23, "hours"),
        int_list(weekdays, 0, 6, "weekdays"),
        kinds,
        tuple(category) if category else None,
    )
