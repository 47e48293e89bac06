"""The OGC API's own OpenAPI 3.0 document (``/ogcapi/api``, the landing page's ``service-desc``):
paths relative to ``/ogcapi`` as OGC clients look them up (GDAL finds the items parameters at
``/collections/{collectionId}/items``, and from ``filter-lang`` that it may send CQL text), the
``limit`` bounds, and the collection ids. The app's full document stays at ``/openapi.json``."""

from __future__ import annotations

from typing import Any

from api.ogc import crs as ocrs
from api.ogc import params as p

OPENAPI_30 = "application/vnd.oai.openapi+json;version=3.0"
FILTER_LANGS = ["cql2-text", "cql-text"]  # cql-text: the draft's name, which GDAL 3.6 sends


def _param(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter."""
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}  # fmt: skip


def _path(name: str, description: str, ids: list[str] | None = None) -> dict[str, Any]:
    """A path parameter (``ids``: its allowed values)."""
    schema: dict[str, Any] = {"type": "string"}
    if ids:
        schema["enum"] = ids
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema}  # fmt: skip


def _get(summary: str, media: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    """A GET operation answering ``media`` (or HTML) and the standard's exceptions."""
    error = {"description": "an exception", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"code": {"type": "string"},
                                         "description": {"type": "string"}}}}}}  # fmt: skip
    return {
        "get": {
            "summary": summary,
            "parameters": [*params, _param("f", "json or html", {"type": "string",
                                                                "enum": ["json", "html"]})],
            "responses": {
                "200": {"description": summary, "content": {media: {}, "text/html": {}}},
                "400": error,
                "401": error,
                "404": error,
            },
        }
    }  # fmt: skip


def document(root: str, collection_ids: list[str]) -> dict[str, Any]:
    """The OpenAPI 3.0 document of the OGC API served at ``root``."""
    coll = _path("collectionId", "a collection", collection_ids)
    items = [
        coll,
        _param("limit", "features per page (more is clamped)",
               {"type": "integer", "minimum": 1, "maximum": p.MAX_LIMIT,
                "default": p.DEFAULT_LIMIT}),
        _param("offset", "index of the first feature", {"type": "integer", "minimum": 0}),
        _param("bbox", "minx,miny,maxx,maxy in bbox-crs",
               {"type": "array", "items": {"type": "number"}, "minItems": 4, "maxItems": 6}),
        _param("bbox-crs", "the bbox's CRS", {"type": "string", "enum": ocrs.URIS}),
        _param("datetime", "RFC 3339 instant or interval", {"type": "string"}),
        _param("filter", "a CQL2 text filter over the queryables", {"type": "string"}),
        _param("filter-lang", "the filter's language", {"type": "string", "enum": FILTER_LANGS}),
        _param("crs", "the answer's CRS", {"type": "string", "enum": ocrs.URIS}),
        _param("res", "heat: the H3 resolution", {"type": "integer"}),
    ]  # fmt: skip
    crs_only = [_param("crs", "the answer's CRS", {"type": "string", "enum": ocrs.URIS})]
    return {
        "openapi": "3.0.3",
        "info": {"title": "Wangge 网格 OGC API – Features", "version": "1.0.0"},
        "servers": [{"url": root}],
        "components": {"securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"},
            "apiKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "apiKeyQuery": {"type": "apiKey", "in": "query", "name": "api_key"},
        }},
        "security": [{"bearer": []}, {"apiKeyHeader": []}, {"apiKeyQuery": []}],
        "paths": {
            "/": _get("landing page", "application/json", []),
            "/conformance": _get("conformance classes", "application/json", []),
            "/collections": _get("collections", "application/json", []),
            "/collections/{collectionId}": _get("a collection", "application/json", [coll]),
            "/collections/{collectionId}/queryables": _get(
                "queryables", "application/schema+json", [coll]),
            "/collections/{collectionId}/items": _get(
                "features", "application/geo+json", items),
            "/collections/{collectionId}/items/{featureId}": _get(
                "one feature", "application/geo+json",
                [coll, _path("featureId", "a feature"), *crs_only]),
        },
    }  # fmt: skip
