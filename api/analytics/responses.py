"""Response models of ``/analytics`` (heat, hot spots, comparison, table, coverage, siting), kept
apart from ``api.edge.responses`` only for size; the same rules apply (documentation, never a
filter)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from api.edge.responses import FeatureCollection, Out


class DayRange(Out):
    """A half-open range of local days [from, to)."""

    from_: dt.date = Field(alias="from")
    to: dt.date


class HeatBin(Out):
    """One H3 bin of the heat layer."""

    h3: str
    count: int
    class_: int = Field(alias="class", description="colour class on the reference scale")
    colour: str


class Scale(Out):
    """The colour scale of the period: whole-number breaks (records per bin in the period),
    fixed while kinds, categories, hours and weekdays change."""

    breaks: list[int]
    labels: list[str]
    colours: list[str]
    unit: dict[str, str]
    reference: DayRange


class HeatLayer(FeatureCollection[HeatBin]):
    """H3 heat bins at ``resolution`` with the scale that coloured them."""

    resolution: int
    total: int
    from_: dt.date = Field(alias="from")
    to: dt.date
    scale: Scale


class WeekCount(Out):
    """Records in one week of the period (starting ``week``) and in the same week last year."""

    week: dt.date
    count: int
    last_year: int


class CategoryCount(Out):
    """Records of one kind and category."""

    kind: str
    category: str
    count: int


class Profile(Out):
    """When records happen: per week against last year, per weekday × hour, per category."""

    from_: dt.date = Field(alias="from")
    to: dt.date
    last_year: DayRange
    total: int
    weekly: list[WeekCount]
    matrix: list[list[int]] = Field(description="7 weekdays (0 = Monday) × 24 local hours")
    categories: list[CategoryCount]


class MapContext(Out):
    """Community outlines and roads for the analytics maps."""

    communities: dict[str, Any] = Field(description="GeoJSON: community polygons, code and name")
    roads: dict[str, Any] = Field(description="GeoJSON: road lines, name and highway")


class Hotspot(Out):
    """Gi* of one H3 bin (``h3``) or grid cell (``cell_code``); z and p are null when undefined."""

    h3: str | None = None
    cell_code: str | None = None
    count: int
    z: float | None
    p: float | None
    confidence: int
    gi_bin: int
    label: Literal["hot", "cold", "not significant"]


class Hotspots(FeatureCollection[Hotspot]):
    """Hot and cold spots on H3 bins (with ``resolution`` and ``k``) or on grid cells."""

    on: Literal["h3", "cell"]
    resolution: int | None = None
    k: int | None = None
    fdr: bool


class Change(Out):
    """One H3 bin's counts in periods a and b and the verdict of the test."""

    h3: str
    a: float
    b: float
    expected_b: float
    rate_ratio: float | None
    p: float | None
    change: Literal["rise", "fall", "no change"]


class Comparison(FeatureCollection[Change]):
    """Rise or fall per bin from period ``a`` (the baseline) to period ``b``."""

    resolution: int
    alpha: float
    test: str
    a: DayRange
    b: DayRange


class Table(Out):
    """The counts/KPI table: ``columns`` in order, their zh/en ``labels``, and the rows."""

    by: str
    from_: dt.date = Field(alias="from")
    to: dt.date
    columns: list[str]
    text_columns: list[str] = Field(description="columns holding codes and names, not numbers")
    labels: dict[str, dict[str, str]]
    rows: list[dict[str, Any]]


class CentreProps(Out):
    """A service centre with its reach and load."""

    id: int
    kind: str
    name: str
    radius_m: float
    capacity: int
    reach: float
    allocated: float
    load_share: float | None = Field(description="households allocated ÷ capacity")
    over_capacity: bool
    isochrone: dict[str, Any] | None = Field(description="walking: area reached on foot")


class UncoveredBuilding(Out):
    """A building no centre covers."""

    id: int
    cell_code: str | None
    name: str | None
    households: float


class CommunityCoverage(Out):
    """Households covered and not in one community (share null when it has none)."""

    community_code: str
    name: str
    households: float
    covered: float
    uncovered: float
    share: float | None


class RetiredCentreProps(Out):
    """A centre retired by the coverage's moment, with when and by whom."""

    id: int
    kind: str
    name: str
    capacity: int
    retired_at: str
    retired_by: str | None


class Coverage(Out):
    """Service coverage by straight line or walking."""

    mode: Literal["straight", "walking"]
    minutes: float | None
    roads_loaded: bool
    households: float
    covered: float
    beyond_capacity: float = Field(description="households allocated beyond centres' capacity")
    centres_over_capacity: int
    communities: list[CommunityCoverage]
    centres: FeatureCollection[CentreProps]
    uncovered_buildings: FeatureCollection[UncoveredBuilding]
    uncovered_buildings_total: int
    at: str = Field(description="the moment whose centres in service were used")
    retired: FeatureCollection[RetiredCentreProps]


class Site(Out):
    """A proposed centre."""

    rank: int
    kind: str
    radius_m: float
    capacity: int
    allocated: float


class Siting(Out):
    """Where to add ``k`` centres and what they would cover."""

    k: int
    kind: str
    mode: Literal["straight", "walking"]
    radius_m: float
    capacity: int
    sites: FeatureCollection[Site]
    households: float
    covered_before: float
    gain: float
    covered_after: float
    share_before: float
    share_after: float
    method: str


class CentreOut(Out):
    """A service centre as stored, in service or retired."""

    id: int
    kind: str
    name: str
    lon: float
    lat: float
    radius_m: float
    capacity: int
    community_code: str
    in_service_from: str | None = Field(description="null: in service since before records")
    retired_at: str | None = Field(description="when it was retired; null while in service")
    retired_by: str | None = Field(description="username of who retired it")


class CentreKind(Out):
    """A kind of service centre with its default radius and capacity."""

    code: str
    zh: str
    en: str
    radius_m: float
    capacity: int


class VerticalCount(Out):
    """One vertical cell (楼栋网格) of a stacked building with its records under the filters."""

    code: str
    households: int
    split: str
    unit_from: int | None
    unit_to: int | None
    floor_from: int | None
    floor_to: int | None
    leader: str | None = Field(description="username of its leader, when one is assigned")
    records: int


class FloorCount(Out):
    """Records of a stacked building on one unit and floor (None where the record gave none)."""

    vertical_code: str
    unit: int | None
    floor: int | None
    count: int


class StackedBuilding(Out):
    """A building cut into vertical cells: its outline and a point on it for the badge, its
    vertical cells and its records per unit and floor under the filters."""

    cell_code: str
    building: str | None
    households: int
    records: int
    lon: float | None
    lat: float | None
    outline: dict[str, Any] | None = Field(description="GeoJSON geometry of the footprint")
    verticals: list[VerticalCount]
    floors: list[FloorCount]


class Stacks(Out):
    """The stacked buildings the user sees over the local days [from, to)."""

    from_: dt.date = Field(alias="from")
    to: dt.date
    buildings: list[StackedBuilding]
