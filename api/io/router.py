"""``GET /export/{layer}``: a layer the user may see as a file (``api.io.exports``)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from api.dependencies import PeriodDep, ScopeDep, SessionDep
from api.edge.responses import GEOJSON, SIGNED_IN, answers, binary
from api.io.exports import Format, Layer, encode, layer_frame

router = APIRouter(tags=["export"])


@router.get(
    "/export/{layer}",
    response_class=Response,
    responses=answers(
        None,
        *SIGNED_IN,
        media={
            "application/geo+json": {"schema": GEOJSON},
            "text/csv": {"schema": {"type": "string"}},
            **binary(
                "application/geopackage+sqlite3",
                "application/vnd.apache.parquet",
                "application/zip",
            ),
        },
    ),
)
def export(
    layer: Layer,
    scope: ScopeDep,
    session: SessionDep,
    period: PeriodDep,
    format: Format = Format.GEOJSON,
    community: str | None = None,
    cell: str | None = None,
    kind: str | None = None,
) -> Response:
    """Download a layer the user may see, filtered by community, cell, kind and period."""
    gdf = layer_frame(
        session, scope, layer, community=community, cell=cell, kind=kind, period=period
    )
    data, media = encode(gdf, format, layer.value)
    ext = "shp.zip" if format == Format.SHP else format.value
    filename = f"wangge-{layer.value}.{ext}"
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
