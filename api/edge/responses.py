"""Response models of the HTTP API: what each operation answers, for the OpenAPI document.

The routes build their answers as plain JSON (``api.records.view``, ``api.places.service``, the
analytics
services); these models only describe them, through ``answers`` (``responses=`` of a route), so
declaring them changes nothing that is sent. ``tests/api/test_contract.py`` holds the answers to
these models. Every error answer has the one body ``api.errors.ErrorBody``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from api.errors import ErrorBody
from grid.domain.caseflow import Priority, Role, Status
from grid.domain.catalog import PlaceKind, RecordKind, RiskLevel

ERRORS: dict[int, str] = {
    401: "Not signed in, or the token is expired or wrong (with `WWW-Authenticate: Bearer`)",
    403: "The user's role or cells do not allow this",
    404: "No such object, or not one the user may see",
    409: "A resend with different content or a stale version; `current` is the stored object",
    413: "The body or upload is over its size limit",
    415: "The content is not of an accepted type",
    422: "A field refused: each item names it in `loc`",
    429: "Too many reports from this address or phone: try again after `Retry-After` seconds",
    503: "The server is busy (write queue full): send again after `Retry-After` seconds",
}
# sent with these errors
HEADERS = {401: "WWW-Authenticate", 429: "Retry-After", 503: "Retry-After"}
SIGNED_IN = (401, 422)  # what every operation behind a bearer token may answer
WRITE = (*SIGNED_IN, 403, 409, 413, 415)  # what a JSON write may answer besides


def answers(
    model: Any = None,
    *errors: int,
    status: int = 200,
    also: tuple[int, ...] = (),
    media: dict[str, dict[str, Any]] | None = None,
) -> dict[int | str, dict[str, Any]]:
    """The ``responses=`` of a route: ``model`` (and/or other ``media`` types) at ``status`` and
    at each status of ``also`` (e.g. 200 for an idempotent resend of a 201), and the one error
    body at each of ``errors``."""
    out: dict[int | str, dict[str, Any]] = {}
    for code in (status, *also):
        entry: dict[str, Any] = {"description": "Success"}
        if model is not None:
            entry["model"] = model
        if media:
            entry["content"] = media
        out[code] = entry
    for code in sorted(set(errors)):
        out[code] = {"model": ErrorBody, "description": ERRORS[code]}
        if code in HEADERS:
            out[code]["headers"] = {HEADERS[code]: {"schema": {"type": "string"}}}
    return out


GEOJSON: dict[str, Any] = {  # a FeatureCollection whose properties depend on the layer
    "type": "object",
    "required": ["type", "features"],
    "properties": {
        "type": {"const": "FeatureCollection"},
        "features": {"type": "array", "items": {"type": "object"}},
    },
}


def binary(*types: str) -> dict[str, dict[str, Any]]:
    """OpenAPI ``content`` for file downloads of the given media types."""
    return {t: {"schema": {"type": "string", "format": "binary"}} for t in types}


class Out(BaseModel):
    """An answer object: every field it carries is listed (unknown ones are a contract break)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


P = TypeVar("P")


class Geometry(Out):
    """A GeoJSON geometry in WGS84 (lon, lat)."""

    type: Literal["Point", "LineString", "Polygon", "MultiPolygon", "MultiLineString"]
    coordinates: list[Any]


class Feature(Out, Generic[P]):
    """A GeoJSON Feature with typed properties."""

    type: Literal["Feature"]
    id: str | int | None = None
    properties: P
    geometry: Geometry


class FeatureCollection(Out, Generic[P]):
    """A GeoJSON FeatureCollection of features with typed properties."""

    type: Literal["FeatureCollection"]
    features: list[Feature[P]]


# --- auth --------------------------------------------------------------------------------------


class UserOut(Out):
    """The public profile of a user."""

    username: str
    display_name: str | None
    role: Role


class Token(Out):
    """A bearer token and who it signs in."""

    access_token: str
    token_type: Literal["bearer"]
    user: UserOut


class Me(UserOut):
    """The signed-in user with the cells and communities they work in (null: all)."""

    cells: list[str] | None
    communities: list[str] | None


# --- cells, buildings, places -------------------------------------------------------------------


class Leader(Out):
    """A cell's leader; the phone masked unless staff or the leader themselves."""

    username: str
    display_name: str | None
    phone: str | None


class CellProps(Out):
    """A grid cell valid at the asked moment."""

    code: str
    community_code: str
    households: int | None
    valid_from: dt.datetime
    valid_to: dt.datetime | None
    leader: Leader | None


class VerticalCellProps(Out):
    """A vertical cell (楼栋网格) below a 2D cell: a tall building's units or floors."""

    code: str
    cell_code: str
    building: str | None
    households: int
    split: str
    unit_from: int | None
    unit_to: int | None
    floor_from: int | None
    floor_to: int | None
    others: int
    records: int


class Location(Out):
    """The cell, community and H3 bin of a point."""

    cell_code: str
    community_code: str
    h3: str


class BuildingProps(Out):
    """A building with its households."""

    id: int
    cell_code: str | None
    households: int | None
    households_estimated: bool | None
    name: str | None


class PlaceProps(Out):
    """A place as the user may see it (personal attributes masked by role)."""

    id: str
    kind: PlaceKind
    name: str
    address: str
    risk_level: RiskLevel
    attrs: dict[str, Any]
    cell_code: str
    community_code: str
    h3: str
    version: int
    updated_at: dt.datetime | None


PlaceFeature = Feature[PlaceProps]


# --- records ------------------------------------------------------------------------------------


class PartyOut(Out):
    """A dispute party or tenant, masked by role."""

    role: str
    name: str
    phone: str | None
    id_number: str | None


class RecordOut(Out):
    """A record as lists show it (``POST /records`` answers this too, on both entries)."""

    id: str
    kind: RecordKind
    category: str
    priority: Priority | None
    status: Status | None
    description: str
    occurred_at: dt.datetime
    lon: float | None
    lat: float | None
    cell_code: str | None
    community_code: str | None
    h3: str | None
    author: str | None
    created_at: dt.datetime | None
    updated_at: dt.datetime | None
    version: int
    deadline: dt.datetime | None
    dispatched_at: dt.datetime | None
    closed_at: dt.datetime | None
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    floor: int | None = None
    unit: int | None = None
    vertical_code: str | None = None
    overdue: bool
    allowed_actions: list[str]
    photos: list[str]
    parties: list[PartyOut]
    source: str = Field(description="how the case came in: officer, resident or open311")


class CheckinOut(Out):
    """A patrol's visit."""

    place_id: str | None
    building_id: int | None
    at: dt.datetime | None
    lon: float | None
    lat: float | None
    cell_code: str | None


class TransitionOut(Out):
    """One step of the case loop."""

    action: str
    from_: str | None = Field(alias="from")
    to: str
    by: str | None
    at: dt.datetime | None
    note: str


class RecordDetail(RecordOut):
    """One record with its track ([lon, lat, time] points), check-ins and transitions."""

    track: list[list[Any]] | None
    checkins: list[CheckinOut]
    transitions: list[TransitionOut]


class PhotoOut(Out):
    """A stored photo, named by its content hash."""

    sha256: str
    size: int
    content_type: str


# --- meta ---------------------------------------------------------------------------------------


class Term(Out):
    """A code with its Chinese and English labels."""

    code: str
    zh: str
    en: str


class AttrFieldOut(Term):
    """A place attribute as the app builds its input from it."""

    type: str
    options: list[Term]
    required: bool
    personal: str | None
    min: float | None
    max: float | None
    max_length: int | None


class PriorityOut(Term):
    """A priority with its deadline."""

    deadline_hours: float | None


class StatusOut(Term):
    """A case status."""

    is_open: bool
    is_closed: bool


class TransitionRule(Out):
    """An action of the case loop: from, to and who may take it."""

    action: str
    from_: str = Field(alias="from")
    to: str
    roles: list[str]
    asks: str
    zh: str
    en: str


class Tiles(Out):
    """The base map the tablet shows."""

    url: str
    crs: str
    attribution: str
    subdomains: str
    max_zoom: int


class RecordKindOut(Term):
    """A record kind with its rule (grid.domain.catalog.RECORD_KIND_RULES): whether it follows the
    case loop, has a priority, carries a track and check-ins, and names parties on the form."""

    case_loop: bool
    priority: bool
    track: bool
    checkins: bool
    parties: bool
    min_track_points: int


class Meta(Out):
    """The vocabulary and case loop for clients."""

    place_kinds: list[Term]
    record_kinds: list[RecordKindOut]
    categories: dict[str, list[Term]]
    hazard_categories: list[Term]
    place_attrs: dict[str, list[AttrFieldOut]]
    common_attrs: list[AttrFieldOut]
    risk_levels: list[Term]
    priorities: list[PriorityOut]
    statuses: list[StatusOut]
    initial_status: str
    clock_starts: str
    transitions: list[TransitionRule]
    roles: list[str]
    tiles: Tiles
    h3_resolution: int
    cases: dict[str, Any] = Field(
        description="issue 13: rectification loop, mediation, residents' channels and ratings"
    )
    register_: dict[str, Any] = Field(alias="register")  # BaseModel has a ``register``
    visits: dict[str, Any] = Field(
        description="issue 12: visit purposes, due states and policy targets"
    )


# --- stats --------------------------------------------------------------------------------------


class Counts(Out):
    """Records per cell or community in a period (rows: code(s) and ``count``), with households
    and the register's counts on ``register_on`` (``api.register.cellstats``)."""

    by: str
    from_: dt.datetime | None = Field(alias="from")
    to: dt.datetime | None
    register_on: dt.date
    counts: list[dict[str, Any]]


class Kpis(Out):
    """Closure, on-time closure and patrol coverage per cell, leader or community, with
    households and the register's counts on ``register_on``."""

    by: str
    from_: dt.datetime = Field(alias="from")
    to: dt.datetime
    register_on: dt.date
    rows: list[dict[str, Any]]
