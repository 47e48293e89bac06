"""The OGC API's query parameters, parsed and checked in one place: ``limit`` (clamped to the
maximum, never refused), ``offset``, ``bbox`` with ``bbox-crs``, ``datetime``, ``filter`` with
``filter-lang``, ``crs`` and ``f``. A bad value is the standard's 400 naming the parameter."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime

from api.ogc import cql
from api.ogc import crs as ocrs
from api.ogc.errors import InvalidParameter
from api.ogc.views import Interval, ItemsQuery

DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
MAX_OFFSET = 10_000_000
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
KNOWN = frozenset(
    {"limit", "offset", "bbox", "bbox-crs", "datetime", "filter", "filter-lang", "crs", "f"}
    | {"filter-crs", "api_key", "token", "res"}
)


def _count(text: str | None, name: str, default: int, lo: int, hi: int | None) -> int:
    """A non-negative integer parameter of at least ``lo``; clamped to ``hi`` when given."""
    if text is None or text == "":
        return default
    if not (text.isascii() and text.isdigit()) or int(text) < lo:
        raise InvalidParameter(f"{name} must be an integer of at least {lo}", name)
    value = int(text)
    return min(value, hi) if hi is not None else value


def limit(text: str | None) -> int:
    """``limit``: 1 or more, a request over the maximum gets the maximum."""
    return _count(text, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)


def offset(text: str | None) -> int:
    """``offset``: where the page starts (the ``next`` links carry it)."""
    value = _count(text, "offset", 0, 0, None)
    if value > MAX_OFFSET:
        raise InvalidParameter(f"offset must be at most {MAX_OFFSET}", "offset")
    return value


def bbox(text: str | None, crs_text: str | None) -> tuple[float, float, float, float] | None:
    """``bbox`` (4 numbers, or 6 with heights, which are ignored) in ``bbox-crs`` (default
    CRS84), as CRS84; 400 for anything malformed or out of range."""
    crs = ocrs.parse(crs_text, "bbox-crs")
    if text is None or text == "":
        return None
    try:
        nums = [float(v) for v in text.split(",")]
    except ValueError as e:
        raise InvalidParameter("bbox must be 4 (or 6) comma-separated numbers", "bbox") from e
    if len(nums) == 6:
        nums = [nums[0], nums[1], nums[3], nums[4]]
    if len(nums) != 4 or not all(math.isfinite(v) for v in nums):
        raise InvalidParameter("bbox must be 4 (or 6) comma-separated numbers", "bbox")
    if nums[0] > nums[2] or nums[1] > nums[3]:
        raise InvalidParameter("bbox must be lower corner, then upper corner", "bbox")
    box = ocrs.bbox_to_crs84(crs, (nums[0], nums[1], nums[2], nums[3]))
    if not (-180 <= box[0] <= box[2] <= 180 and -90 <= box[1] <= box[3] <= 90):
        raise InvalidParameter("bbox lies outside the range of longitudes and latitudes", "bbox")
    return box[0], box[1], box[2], box[3]


def _moment(text: str) -> datetime | None:
    """One end of ``datetime``: RFC 3339 time or date (UTC when no offset); None when open."""
    if text in ("", ".."):
        return None
    try:
        if len(text) == 10:
            d = date.fromisoformat(text)
            value = datetime(d.year, d.month, d.day, tzinfo=UTC)
        else:
            value = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError as e:
        raise InvalidParameter(
            "datetime must be an RFC 3339 time, or an interval start/end ('..' for open)",
            "datetime",
        ) from e
    value = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not EARLIEST <= value < LATEST:
        raise InvalidParameter("datetime must lie between 1900 and 2200", "datetime")
    return value.astimezone(UTC)


def interval(text: str | None) -> Interval | None:
    """``datetime``: an instant, or ``start/end`` with ``..`` (or nothing) for an open end."""
    if text is None or text == "":
        return None
    if "/" not in text:
        at = _moment(text)
        if at is None:
            raise InvalidParameter("datetime '..' needs an interval: start/end", "datetime")
        return Interval(at, at)
    first, _, last = text.partition("/")
    start, end = _moment(first), _moment(last)
    if start is not None and end is not None and end < start:
        raise InvalidParameter("datetime interval ends before it starts", "datetime")
    return Interval(start, end)


@dataclass(frozen=True)
class Output:
    """How the answer is written: its CRS and format."""

    crs: ocrs.Crs
    html: bool


def output(crs_text: str | None, f: str | None, accept: str | None) -> Output:
    """``crs`` and the format: ``f=json|html``, else HTML only for a browser's Accept."""
    return Output(ocrs.parse(crs_text, "crs"), wants_html(f, accept))


def wants_html(f: str | None, accept: str | None) -> bool:
    """Whether to answer HTML: ``f=html``, or no ``f`` and an Accept preferring text/html."""
    if f not in (None, "", "json", "html", "geojson"):
        raise InvalidParameter("f must be json or html", "f")
    if f:
        return f == "html"
    return bool(accept) and "text/html" in str(accept) and "json" not in str(accept)


def items_query(raw: dict[str, str], *, extra: tuple[str, ...] = ()) -> ItemsQuery:
    """The page a request asks for, from its query parameters (``raw``)."""
    where = None
    if raw.get("filter"):
        if raw.get("filter-crs") not in (None, "", ocrs.CRS84):
            raise InvalidParameter("filter-crs must be CRS84", "filter-crs")
        where = cql.parse(raw["filter"], raw.get("filter-lang"))
    return ItemsQuery(
        bbox=bbox(raw.get("bbox"), raw.get("bbox-crs")),
        when=interval(raw.get("datetime")),
        where=where,
        limit=limit(raw.get("limit")),
        offset=offset(raw.get("offset")),
        extra={k: raw[k] for k in extra if k in raw},
    )
