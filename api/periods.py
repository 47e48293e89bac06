"""Dates, moments and periods in query parameters, parsed and range-checked in this one place.

Every endpoint that filters by time takes its parameters from here, so a value outside the
supported range, a period in the wrong order or one too long to compute is a 422 naming the
query parameter instead of an overflow further down (a 500). The range starts where stored times
may start (``api.checks.EARLIEST``, 2000) and ends with the year 2100; local days are
Asia/Shanghai days (``grid.analysis.heat.LOCAL_TZ``) given as ``YYYY-MM-DD`` or, for a calendar
month, ``YYYY-MM``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query
from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from api.checks import EARLIEST
from api.errors import InvalidInput, Loc
from grid.analysis.heat import LOCAL_TZ

ZONE = ZoneInfo(LOCAL_TZ)
FIRST_DAY = EARLIEST.date()  # the first local day a query may name
END_DAY = date(2101, 1, 1)  # the last: the (exclusive) end of the year 2100
LATEST = datetime.combine(END_DAY, time(), UTC)  # the last moment a query may name
MAX_DAYS = 3660  # the longest period one request may compute over (ten years)
DEFAULT_DAYS = 30
MONTH = r"^[0-9]{4}-[0-9]{2}$"  # YYYY-MM in ASCII digits, not any script's
_RANGE = f"{FIRST_DAY.isoformat()} .. {END_DAY.isoformat()}"


def _day(value: date) -> date:
    """``value`` when it lies in the supported range (pydantic validator of ``Day``)."""
    if not FIRST_DAY <= value <= END_DAY:
        raise PydanticCustomError(
            "date_range",
            "dates must lie between {first} and {last}",
            {"first": FIRST_DAY.isoformat(), "last": END_DAY.isoformat()},
        )
    return value


def _moment(value: datetime) -> datetime:
    """``value`` in UTC when it has a timezone and lies in the supported range (pydantic
    validator of ``Moment``); compared before any conversion, which could overflow."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("timezone_aware", "give a timezone (e.g. Z or +08:00)")
    if not EARLIEST <= value <= LATEST:
        raise PydanticCustomError(
            "date_range",
            "times must lie between {first} and {last}",
            {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()},
        )
    return value.astimezone(UTC)


Day = Annotated[date, AfterValidator(_day)]
"""A local day (``YYYY-MM-DD``) within the supported range."""
Moment = Annotated[datetime, AfterValidator(_moment)]
"""An aware time within the supported range, as UTC."""


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


def ordered(start: date, end: date, names: tuple[str, str]) -> Days:
    """The days [start, end) when ``end`` comes after ``start`` and the span is computable; the
    error names the parameter (``names``: those of start and end) to change."""
    if end <= start:
        raise InvalidInput(f"'{names[1]}' must be after '{names[0]}'", ("query", names[1]))
    if (end - start).days > MAX_DAYS:
        raise InvalidInput(f"a period may span at most {MAX_DAYS} days", ("query", names[0]))
    return Days(start, end)


def month(text: str, loc: Loc) -> Days:
    """The days of calendar month ``YYYY-MM`` within the supported range."""
    y, m = (int(v) for v in text.split("-")) if re.fullmatch(MONTH, text) else (0, 0)
    if not 1 <= m <= 12:
        raise InvalidInput("period must be a month written YYYY-MM", loc)
    if not FIRST_DAY.year <= y < END_DAY.year:
        raise InvalidInput(f"period must lie between {FIRST_DAY.year} and {END_DAY.year - 1}", loc)
    return Days(date(y, m, 1), date(y + m // 12, m % 12 + 1, 1))


def days(
    from_: Annotated[
        Day | None, Query(alias="from", description=f"first local day, {_RANGE}")
    ] = None,
    to: Annotated[
        Day | None, Query(description=f"day after the last (exclusive), {_RANGE}")
    ] = None,
    period: Annotated[str | None, Query(pattern=MONTH, description="a month, YYYY-MM")] = None,
) -> Days:
    """The period of a request in local days (default: the last 30 days up to today)."""
    if period is not None:
        if from_ or to:
            raise InvalidInput("give either period or from/to, not both", ("query", "period"))
        return month(period, ("query", "period"))
    end = to or datetime.now(ZONE).date() + timedelta(days=1)
    start = from_ or end - timedelta(days=DEFAULT_DAYS)
    if to is None and end <= start:
        raise InvalidInput("'from' must be before today when 'to' is not given", ("query", "from"))
    return ordered(start, end, ("from", "to"))


@dataclass(frozen=True)
class Period:
    """A half-open time range [start, end); either end may be open."""

    start: datetime | None
    end: datetime | None


def period(
    from_: Annotated[
        Moment | None, Query(alias="from", description=f"first moment, {_RANGE}")
    ] = None,
    to: Annotated[Moment | None, Query(description=f"end (exclusive), {_RANGE}")] = None,
) -> Period:
    """The ``from``/``to`` filter: aware moments in range, ``to`` after ``from``."""
    if from_ and to and to <= from_:
        raise InvalidInput("'to' must be after 'from'", ("query", "to"))
    return Period(from_, to)
