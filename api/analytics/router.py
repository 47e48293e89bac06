"""Analytics for police, street offices and planners: heat, hot spots, period comparison,
drill-down, counts/KPI tables with export, service coverage and siting (issue 5).

Every figure is computed by grid/ (through api/analytics_*.py); heat-type queries read only the
``heat_counts``/``heat_bins`` pre-aggregate. Everyone signed in may read, each within their scope
(officers: their own cells); adding centres is for admin and street staff.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse, Response

from api.analytics import centres as acentres
from api.analytics import context as acontext
from api.analytics import coverage as acov
from api.analytics import drilldown as arec
from api.analytics import heat as aheat
from api.analytics import profile as aprofile
from api.analytics import siting as asiting
from api.analytics import stackmap as astack
from api.analytics import table as atable
from api.analytics.filters import Days, HeatFilter, days, heat_filter
from api.analytics.responses import (
    CentreKind,
    CentreOut,
    Comparison,
    Coverage,
    HeatLayer,
    Hotspots,
    MapContext,
    Profile,
    Siting,
    Stacks,
    Table,
)
from api.analytics.stats import KpiBy
from api.dependencies import ScopeDep, SessionDep, StoreDep
from api.edge.responses import SIGNED_IN, RecordOut, answers, binary
from api.errors import InvalidInput
from api.periods import Day, Moment, ordered
from grid.analysis.coverage import CENTRE_KINDS

router = APIRouter(prefix="/analytics", tags=["analytics"])
FilterDep = Annotated[HeatFilter, Depends(heat_filter)]
Zoom = Annotated[float | None, Query(ge=0, le=24, description="web-map zoom → H3 resolution")]
Res = Annotated[int | None, Query(ge=0, le=15, description="H3 resolution (overrides zoom)")]
Lat = Annotated[float, Query(ge=-85, le=85, description="map centre latitude for zoom")]


class Baseline(StrEnum):
    """What the compared period is set against."""

    LAST_YEAR = "last_year"
    PREVIOUS = "previous"


class HotspotsOn(StrEnum):
    """Units of the hot-spot analysis."""

    H3 = "h3"
    CELL = "cell"


class Mode(StrEnum):
    """Straight-line or walking coverage."""

    STRAIGHT = "straight"
    WALKING = "walking"


class Format(StrEnum):
    """Output format of the table."""

    JSON = "json"
    CSV = "csv"
    XLSX = "xlsx"


@router.get("/heat", response_model=None, responses=answers(HeatLayer, *SIGNED_IN))
def heat(
    scope: ScopeDep,
    session: SessionDep,
    store: StoreDep,
    f: FilterDep,
    zoom: Zoom = None,
    res: Res = None,
    lat: Lat = 39.12,
) -> dict[str, Any]:
    """H3 heat bins (id = H3 index) with count and colour class on the fixed reference scale."""
    r = aheat.resolution(zoom, res, lat, store.settings.h3_resolution)
    return aheat.heat_layer(session, scope, f, r, store.settings.h3_resolution)


@router.get("/hotspots", response_model=None, responses=answers(Hotspots, *SIGNED_IN))
def hotspots(
    scope: ScopeDep,
    session: SessionDep,
    store: StoreDep,
    f: FilterDep,
    on: HotspotsOn = HotspotsOn.H3,
    zoom: Zoom = None,
    res: Res = None,
    lat: Lat = 39.12,
    k: Annotated[int, Query(ge=1, le=5)] = 1,
    fdr: bool = True,
) -> dict[str, Any]:
    """Gi* hot and cold spots with FDR: z, p, confidence (99/95/90/0) and bin per H3 bin or cell."""
    if on == HotspotsOn.CELL:
        return aheat.cell_hotspots(session, store.cells, scope, f, fdr)
    r = aheat.resolution(zoom, res, lat, store.settings.h3_resolution)
    return aheat.h3_hotspots(
        session, store.cells, scope, f, r, store.settings.h3_resolution, k, fdr
    )


def _base(
    baseline: Baseline = Baseline.LAST_YEAR,
    base_from: Annotated[Day | None, Query(description="explicit baseline start day")] = None,
    base_to: Annotated[
        Day | None, Query(description="explicit baseline end day (exclusive)")
    ] = None,
) -> tuple[Baseline, Days | None]:
    """The baseline choice, or explicit baseline days when both ends are given."""
    if (base_from is None) != (base_to is None):
        raise InvalidInput("give both base_from and base_to", ("query", "base_to"))
    if base_from is None or base_to is None:
        return baseline, None
    return baseline, ordered(base_from, base_to, ("base_from", "base_to"))


@router.get("/compare", response_model=None, responses=answers(Comparison, *SIGNED_IN))
def compare(
    scope: ScopeDep,
    session: SessionDep,
    store: StoreDep,
    f: FilterDep,
    base: Annotated[tuple[Baseline, Days | None], Depends(_base)],
    zoom: Zoom = None,
    res: Res = None,
    lat: Lat = 39.12,
    alpha: Annotated[float, Query(gt=0, lt=1)] = 0.05,
) -> dict[str, Any]:
    """Per-bin rise or fall between a baseline (default: same days last year) and the period."""
    choice, explicit = base
    a = explicit or (f.days.last_year() if choice == Baseline.LAST_YEAR else f.days.previous())
    r = aheat.resolution(zoom, res, lat, store.settings.h3_resolution)
    return aheat.compare(session, scope, f, a, r, store.settings.h3_resolution, alpha)


@router.get("/profile", response_model=None, responses=answers(Profile, *SIGNED_IN))
def profile(scope: ScopeDep, session: SessionDep, f: FilterDep) -> dict[str, Any]:
    """Records per week against the same weeks last year, per hour × weekday (ignoring the hour
    and weekday filters) and per category, from the heat pre-aggregate."""
    return aprofile.profile(session, scope, f)


@router.get("/context", response_model=None, responses=answers(MapContext, *SIGNED_IN))
def context(scope: ScopeDep, session: SessionDep) -> dict[str, Any]:
    """Community outlines (the user's) and roads to draw under the analytics layers."""
    return acontext.context(session, scope)


Limit = Annotated[int, Query(ge=1, le=2000)]


@router.get(
    "/bins/{h3}/records", response_model=None, responses=answers(list[RecordOut], *SIGNED_IN)
)
def bin_records(
    h3: str, scope: ScopeDep, session: SessionDep, store: StoreDep, f: FilterDep, limit: Limit = 200
) -> list[dict[str, Any]]:
    """The records behind one heat bin under the same filters, personal data masked by role."""
    fine = aheat.fine_in_bin(session, scope, f, h3, store.settings.h3_resolution)
    return arec.bin_records(session, scope, f, fine, limit)


@router.get(
    "/cells/{code}/records",
    response_model=None,
    responses=answers(list[RecordOut], *SIGNED_IN, 404),
)
def cell_records(
    code: str, scope: ScopeDep, session: SessionDep, f: FilterDep, limit: Limit = 200
) -> list[dict[str, Any]]:
    """The records of one cell under the filters, personal data masked by role."""
    return arec.cell_records(session, scope, f, code, limit)


@router.get("/stacks", response_model=None, responses=answers(Stacks, *SIGNED_IN))
def stacks(scope: ScopeDep, session: SessionDep, f: FilterDep) -> dict[str, Any]:
    """Buildings cut into vertical cells (楼栋网格) with records per vertical cell and per unit
    and floor under the heat filters, for the map's building badges."""
    return astack.stacked_buildings(session, scope, f)


@router.get(
    "/verticals/{code}/records",
    response_model=None,
    responses=answers(list[RecordOut], *SIGNED_IN, 404),
)
def vertical_records(
    code: Annotated[str, Path(max_length=18)], scope: ScopeDep, session: SessionDep,
    f: FilterDep, limit: Limit = 200,
) -> list[dict[str, Any]]:
    """The records of one vertical cell under the filters, personal data masked by role."""
    return astack.vertical_records(session, scope, f, code, limit)


@router.get(
    "/table",
    response_model=None,
    responses=answers(
        Table,
        *SIGNED_IN,
        media={
            "text/csv": {"schema": {"type": "string"}},
            **binary("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        },
    ),
)
def table(
    scope: ScopeDep,
    session: SessionDep,
    period: Annotated[Days, Depends(days)],
    by: KpiBy = KpiBy.CELL,
    format: Format = Format.JSON,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
) -> Response:
    """Records per kind, closure and on-time closure rates, patrol coverage and places by risk
    level per cell, leader or community; ``format=csv|xlsx`` downloads it."""
    start, end = period.bounds()
    frame = atable.table(session, scope, by, start, end)
    name = f"wangge-{by.value}-{period.start.isoformat()}-{period.end.isoformat()}"
    if format == Format.CSV:
        return Response(
            atable.to_csv(frame, lang),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    if format == Format.XLSX:
        return Response(
            atable.to_xlsx(frame, lang, atable.title(session, scope, by, period, lang)),
            media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
        )
    return JSONResponse(  # plain JSON values already: rendered without jsonable_encoder's walk
        {
            "by": by.value,
            "from": period.start.isoformat(),
            "to": period.end.isoformat(),
            "columns": list(frame.columns),
            "text_columns": [c for c in frame.columns if c in atable.TEXT_COLUMNS],
            "labels": {
                c: dict(zip(("zh", "en"), atable.LABELS.get(c, (c, c)), strict=True))
                for c in frame.columns
            },
            "rows": atable.rows(frame),
        }
    )


@router.get("/coverage", response_model=None, responses=answers(Coverage, *SIGNED_IN))
def coverage(
    scope: ScopeDep,
    session: SessionDep,
    community: str | None = None,
    mode: Mode = Mode.STRAIGHT,
    minutes: Annotated[
        float | None,
        Query(gt=0, le=60, description="walking minutes instead of each centre's radius"),
    ] = None,
    at: Annotated[
        Moment | None, Query(description="the centres in service at this moment (default now)")
    ] = None,
) -> Response:
    """Service centres in service at ``at`` with rings, households covered/uncovered per
    community, uncovered buildings, centres over capacity and the centres retired by then; by
    straight line or walking on the roads."""
    # plain JSON values already (hundreds of KB walking): rendered without jsonable_encoder's walk
    return JSONResponse(acov.coverage(session, scope, community, mode.value, minutes, at))


@router.get("/siting", response_model=None, responses=answers(Siting, *SIGNED_IN))
def siting(
    scope: ScopeDep,
    session: SessionDep,
    k: Annotated[int, Query(ge=1, le=50)] = 1,
    kind: str = "station",
    radius: Annotated[float | None, Query(gt=0, le=5000)] = None,
    capacity: Annotated[int | None, Query(ge=1, le=1_000_000)] = None,
    mode: Mode = Mode.STRAIGHT,
    community: str | None = None,
) -> dict[str, Any]:
    """Where to add ``k`` centres so the most households are served within reach (straight or
    walking on the roads) and within every centre's capacity (capacitated maximal covering)."""
    return asiting.siting(session, scope, community, k, kind, radius, capacity, mode.value)


@router.post(
    "/centres",
    status_code=201,
    response_model=None,
    responses=answers(CentreOut, *SIGNED_IN, 403, 413, status=201),
)
def add_centre(
    body: acentres.CentreIn, scope: ScopeDep, session: SessionDep, store: StoreDep
) -> dict[str, Any]:
    """Add a service centre (admin and street staff, inside their communities), audited."""
    return acentres.add(session, store.cells, scope, body)


CentreId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.patch(
    "/centres/{centre_id}",
    response_model=None,
    responses=answers(CentreOut, *SIGNED_IN, 403, 404, 413),
)
def change_centre(
    centre_id: CentreId,
    body: acentres.CentrePatch,
    scope: ScopeDep,
    session: SessionDep,
    store: StoreDep,
) -> dict[str, Any]:
    """Move a centre (both lon and lat), change its name, radius or capacity, or retire
    (``"retired": true``) or restore (``"retired": false``) it, audited."""
    return acentres.change(session, store.cells, scope, centre_id, body)


@router.delete(
    "/centres/{centre_id}",
    status_code=204,
    responses=answers(None, *SIGNED_IN, 403, 404, status=204),
)
def retire_centre(centre_id: CentreId, scope: ScopeDep, session: SessionDep) -> Response:
    """Retire a centre in service (admin and street staff, inside their communities), audited:
    the centre is kept with when and by whom it was retired (as ``PATCH {"retired": true}``), out
    of coverage and siting from now on, and can be restored; 404 when none is in service."""
    acentres.retire(session, scope, centre_id)
    return Response(status_code=204)


@router.get("/centre-kinds", response_model=None, responses=answers(list[CentreKind]))
def centre_kinds() -> list[dict[str, Any]]:
    """The kinds of service centre with their default radius and capacity, labelled zh/en."""
    return [
        {
            "code": k,
            "zh": v.term.zh,
            "en": v.term.en,
            "radius_m": v.radius_m,
            "capacity": v.capacity,
        }
        for k, v in CENTRE_KINDS.items()
    ]
