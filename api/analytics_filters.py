"""Query parameters shared by the analytics endpoints: local-day periods and heat filters.

Periods are whole local days (Asia/Shanghai) ``[from, to)``, given as ``from``/``to`` dates or as
``period=YYYY-MM`` (a calendar month); hours (0–23) and weekdays (0 = Monday) are comma lists with
ranges (``hours=18-23,0-2``).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, Query

from api.checks import check_filter_category
from api.errors import InvalidInput, Loc
from grid.analysis.heat import LOCAL_TZ
from grid.domain.catalog import RecordKind

ZONE = ZoneInfo(LOCAL_TZ)
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Days:
    """A half-open range of local days [start, end)."""

    start: date
    end: date

    @property
    def length(self) -> int:
        """Number of days in the range."""
        return (self.end - self.start).days

    def bounds(self) -> tuple[datetime, datetime]:
        """The range as aware datetimes (local midnights)."""
        return (
            datetime.combine(self.start, time(), ZONE),
            datetime.combine(self.end, time(), ZONE),
        )

    def last_year(self) -> Days:
        """The same days one year earlier (29 February maps to 28 February)."""
        return Days(_year_before(self.start), _year_before(self.end))

    def previous(self) -> Days:
        """The range of equal length just before this one."""
        return Days(self.start - timedelta(days=self.length), self.start)


def _year_before(d: date) -> date:
    """``d`` one year earlier."""
    return d.replace(year=d.year - 1, day=min(d.day, calendar.monthrange(d.year - 1, d.month)[1]))


def month(text: str, loc: Loc) -> Days:
    """The days of calendar month ``YYYY-MM``."""
    try:
        y, m = (int(v) for v in text.split("-"))
        start = date(y, m, 1)
    except ValueError as e:
        raise InvalidInput("period must be a month written YYYY-MM", loc) from e
    return Days(start, date(y + m // 12, m % 12 + 1, 1))


def days(
    from_: Annotated[date | None, Query(alias="from", description="first local day")] = None,
    to: Annotated[date | None, Query(description="day after the last (exclusive)")] = None,
    period: Annotated[str | None, Query(description="a month, YYYY-MM")] = None,
) -> Days:
    """The period of an analytics request (default: the last 30 days up to today)."""
    if period is not None:
        if from_ or to:
            raise InvalidInput("give either period or from/to, not both", ("query", "period"))
        return month(period, ("query", "period"))
    end = to or datetime.now(ZONE).date() + timedelta(days=1)
    start = from_ or end - timedelta(days=DEFAULT_DAYS)
    if end <= start:
        raise InvalidInput("'to' must be after 'from'", ("query", "to"))
    if (end - start).days > 3660:
        raise InvalidInput("a period may span at most 10 years", ("query", "from"))
    return Days(start, end)


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
