"""OGC API – Features under ``/ogcapi``: landing page, conformance, collections, items, one item
and queryables, as JSON/GeoJSON or HTML. Every collection goes through the feature views of
``api.ogc.views`` (the JSON API's scope rules); the caller signs in with a bearer token, sent as
``Authorization``, ``X-API-Key`` or the ``api_key``/``token`` query parameter (what GDAL's
``OAPIF`` driver and QGIS can send)."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from fastapi.security import OAuth2PasswordBearer

from api.accounts.access import Scope
from api.accounts.apikeys import is_api_key, key_owner
from api.dependencies import SessionDep, StoreDep, current_scope, scope_of
from api.errors import NotAuthenticated
from api.ogc import documents as docs
from api.ogc import html, openapi
from api.ogc import params as p
from api.ogc.catalog import extent, find, views_for
from api.ogc.errors import InvalidParameter, Missing, OgcError
from api.ogc.openapi import OPENAPI_30
from api.store import Store

router = APIRouter(prefix="/ogcapi", tags=["ogcapi"])
_bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
ERRORS = {
    400: "A parameter the standard refuses (bbox, crs, datetime, filter, limit...)",
    401: "Not signed in, or the token is expired or wrong",
    404: "No such collection or feature, or not one you may see",
    422: "A parameter breaking the text rules (NUL, lone surrogates)",
}


def _answers(*media: str, errors: tuple[int, ...] = (400, 401, 422)) -> dict[int | str, Any]:
    """The documented answers: the media types at 200 and the OGC error body at ``errors``."""
    ok = {
        m: {"schema": {"type": "string"} if m == docs.HTML else {"type": "object"}} for m in media
    }
    out: dict[int | str, Any] = {200: {"description": "Success", "content": ok}}
    for code in errors:
        out[code] = {"model": OgcError, "description": ERRORS[code]}
    return out


async def ogc_scope(
    store: StoreDep,
    bearer: Annotated[str | None, Depends(_bearer)],
    x_api_key: Annotated[str | None, Header(description="the token, as GDAL_HTTP_HEADERS")] = None,
    api_key: Annotated[
        str | None, Query(description="the token (for clients without headers)")
    ] = None,
    token: Annotated[str | None, Query(description="the token, as api_key")] = None,
) -> Scope:
    """The caller's scope from the bearer token or service-account API key (``wgk_...``), in
    whichever place they sent it."""
    sent = bearer or x_api_key or api_key or token
    if sent and is_api_key(sent):
        username = await run_in_threadpool(_key_owner, store, sent)
        if username is None:
            raise NotAuthenticated("unknown or revoked API key", ("header", "Authorization"))
        return await scope_of(store, username)
    if not sent:
        raise NotAuthenticated(
            "not signed in: send a bearer token or api_key", ("header", "Authorization")
        )
    return await current_scope(store, sent)


def _key_owner(store: Store, key: str) -> str | None:
    """The user holding an API key (a lookup on every use, so revoking takes effect at once)."""
    with store.sessions() as session:
        return key_owner(session, key)


OgcScope = Annotated[Scope, Depends(ogc_scope)]
F = Annotated[str | None, Query(description="json or html")]
CRS = Annotated[str | None, Query(description="the CRS of the answer's coordinates (a URI)")]


def _links(request: Request) -> docs.Links:
    """Link builder for this request."""
    root = str(request.base_url).rstrip("/") + router.prefix
    return docs.Links(request.query_params, root)


def _doc(doc: dict[str, Any], title: str, f: str | None, request: Request, media: str) -> Response:
    """A JSON document, or its HTML page."""
    if p.wants_html(f, request.headers.get("accept")):
        return Response(html.page(doc, title), media_type=docs.HTML)
    return Response(json.dumps(doc, ensure_ascii=False), media_type=media)


def _unknown(request: Request) -> None:
    """400 for a query parameter the API does not define."""
    for name in request.query_params:
        if name not in p.KNOWN:
            raise InvalidParameter(f"unknown query parameter {name!r}", name)


@router.get(
    "", response_class=Response, responses=_answers(docs.JSON, docs.HTML, errors=(400, 422))
)
def landing(request: Request, f: F = None) -> Response:
    """The landing page: links to the API description, conformance and collections."""
    return _doc(docs.landing(_links(request)), "Wangge OGC API", f, request, docs.JSON)


@router.get("/api", response_class=Response, responses=_answers(OPENAPI_30, errors=(422,)))
def service_desc(request: Request, store: StoreDep) -> Response:
    """The OGC API's own OpenAPI 3.0 document (paths relative to ``/ogcapi``)."""
    ids = [v.id for v in views_for(store.settings.h3_resolution)]
    doc = openapi.document(_links(request).root, ids)
    return Response(json.dumps(doc, ensure_ascii=False), media_type=OPENAPI_30)


@router.get(
    "/conformance",
    response_class=Response,
    responses=_answers(docs.JSON, docs.HTML, errors=(400, 422)),
)
def conformance(request: Request, f: F = None) -> Response:
    """The conformance classes (Features Part 1 core, GeoJSON, OpenAPI 3.0, HTML; Part 2 CRS;
    Part 3 filter with Basic CQL2 text)."""
    return _doc(docs.conformance(), "Conformance", f, request, docs.JSON)


@router.get("/collections", response_class=Response, responses=_answers(docs.JSON, docs.HTML))
def collections(
    request: Request, scope: OgcScope, session: SessionDep, store: StoreDep, f: F = None
) -> Response:
    """Every collection, with the extent of the caller's communities."""
    views = views_for(store.settings.h3_resolution)
    doc = docs.collections(views, _links(request), extent(session, scope))
    return _doc(doc, "Collections", f, request, docs.JSON)


@router.get(
    "/collections/{collectionId}",
    response_class=Response,
    responses=_answers(docs.JSON, docs.HTML, errors=(400, 401, 404, 422)),
)
def collection(
    request: Request,
    collectionId: str,
    scope: OgcScope,
    session: SessionDep,
    store: StoreDep,
    f: F = None,  # noqa: N803
) -> Response:
    """One collection's description."""
    view = find(store.settings.h3_resolution, collectionId)
    doc = docs.collection(view, _links(request), extent(session, scope))
    return _doc(doc, view.title, f, request, docs.JSON)


@router.get(
    "/collections/{collectionId}/queryables",
    response_class=Response,
    responses=_answers(
        "application/schema+json", docs.JSON, docs.HTML, errors=(400, 401, 404, 422)
    ),
)
def queryables(
    request: Request, collectionId: str, scope: OgcScope, store: StoreDep, f: F = None
) -> Response:  # noqa: N803
    """What a CQL2 filter on the collection may name, as JSON Schema."""
    view = find(store.settings.h3_resolution, collectionId)
    doc = docs.queryables(view, _links(request))
    accept = request.headers.get("accept") or ""
    plain = "application/json" in accept and "schema+json" not in accept  # GDAL 3.6 asks so
    media = docs.JSON if plain else "application/schema+json"
    return _doc(doc, f"{view.title}: queryables", f, request, media)


@router.get(
    "/collections/{collectionId}/items",
    response_class=Response,
    responses=_answers(docs.GEOJSON, docs.HTML, errors=(400, 401, 404, 422)),
)
def items(
    request: Request,
    collectionId: str,  # noqa: N803
    scope: OgcScope,
    session: SessionDep,
    store: StoreDep,
    limit: Annotated[str | None, Query(description=f"1..{p.MAX_LIMIT} (more is clamped)")] = None,
    offset: Annotated[str | None, Query(description="index of the first feature")] = None,
    bbox: Annotated[str | None, Query(description="minx,miny,maxx,maxy in bbox-crs")] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs")] = None,
    datetime: Annotated[str | None, Query(description="RFC 3339 instant or start/end")] = None,
    filter: Annotated[str | None, Query(description="CQL2 text")] = None,
    filter_lang: Annotated[str | None, Query(alias="filter-lang")] = None,
    filter_crs: Annotated[str | None, Query(alias="filter-crs")] = None,
    crs: CRS = None,
    res: Annotated[str | None, Query(description="heat: the H3 resolution")] = None,
    f: F = None,
) -> Response:
    """A page of the collection's features the caller may see, with paging links and counts."""
    _unknown(request)
    view = find(store.settings.h3_resolution, collectionId)
    out = p.output(crs, f, request.headers.get("accept"))
    raw = {k: v for k, v in request.query_params.items()}
    q = p.items_query(raw, extra=("res",))
    page = view.page(session, scope, q)
    links = docs.page_links(_links(request), view, page, q.limit, q.offset)
    text = docs.features_json(page, out.crs, links)
    return _features(text, out, view.title)


@router.get(
    "/collections/{collectionId}/items/{featureId}",
    response_class=Response,
    responses=_answers(docs.GEOJSON, docs.HTML, errors=(400, 401, 404, 422)),
)
def item(
    request: Request,
    collectionId: str,  # noqa: N803
    featureId: str,  # noqa: N803
    scope: OgcScope,
    session: SessionDep,
    store: StoreDep,
    crs: CRS = None,
    f: F = None,
) -> Response:
    """One feature, if it exists and the caller may see it."""
    view = find(store.settings.h3_resolution, collectionId)
    out = p.output(crs, f, request.headers.get("accept"))
    page = view.one(session, scope, featureId)
    if not page.ids:
        raise Missing(f"no feature {featureId!r} in collection {collectionId!r}", "featureId")
    text = docs.features_json(page, out.crs, None)
    return _features(text, out, f"{view.title} {featureId}")


def _features(text: str, out: p.Output, title: str) -> Response:
    """GeoJSON (with the Content-Crs header) or its HTML page."""
    headers = {"Content-Crs": f"<{out.crs.uri}>"}
    if out.html:
        return Response(
            html.features(json.loads(text), title), media_type=docs.HTML, headers=headers
        )
    return Response(text, media_type=docs.GEOJSON, headers=headers)
