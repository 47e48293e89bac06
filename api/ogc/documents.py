"""The JSON documents of the OGC API: landing page, conformance, collections, queryables and
the feature collections themselves (encoded in one pass, geometries by shapely's vectorised
GeoJSON writer)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import shapely
from starlette.datastructures import URL

from api.ogc import crs as ocrs
from api.ogc.openapi import OPENAPI_30
from api.ogc.views import Page, View

CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
]
GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
AUTH_PARAMS = ("api_key", "token")  # carried into every link, so GDAL keeps its credentials


class Links:
    """Builds the links of a document from the request's URL, carrying its credentials."""

    def __init__(self, query: Mapping[str, str], root: str) -> None:
        self.query = query  # the request's query parameters
        self.root = root  # absolute URL of /ogcapi
        self.auth = {k: v for k, v in query.items() if k in AUTH_PARAMS}

    def to(self, path: str, **params: str) -> str:
        """The absolute URL of ``path`` under the root with ``params`` and the credentials."""
        query = {**params, **self.auth}
        return str(URL(self.root + path).include_query_params(**query))

    def link(self, rel: str, path: str, type_: str, title: str, **params: str) -> dict[str, str]:
        """One link object."""
        return {"href": self.to(path, **params), "rel": rel, "type": type_, "title": title}

    def self_and_alternate(self, path: str, json_type: str = JSON) -> list[dict[str, str]]:
        """The ``self`` (JSON) and ``alternate`` (HTML) links of a page."""
        return [
            self.link("self", path, json_type, "this document", f="json"),
            self.link("alternate", path, HTML, "this document as HTML", f="html"),
        ]


def landing(links: Links) -> dict[str, Any]:
    """The landing page: service description, conformance and data links."""
    return {
        "title": "Wangge 网格 OGC API – Features",
        "description": "Grid cells, buildings, places, records and heat bins within your scope",
        "links": [
            *links.self_and_alternate(""),
            links.link("service-desc", "/api", OPENAPI_30, "the OpenAPI 3.0 document"),
            {
                "href": links.root.removesuffix("/ogcapi") + "/docs",
                "rel": "service-doc",
                "type": HTML,
                "title": "the API documentation",
            },
            links.link("conformance", "/conformance", JSON, "conformance classes"),
            links.link("data", "/collections", JSON, "collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    """The conformance classes we implement."""
    return {"conformsTo": CONFORMANCE}


def collection(view: View, links: Links, extent: list[float] | None) -> dict[str, Any]:
    """A collection's description: links to its items and queryables, extent and CRS list."""
    base = f"/collections/{view.id}"
    doc: dict[str, Any] = {
        "id": view.id,
        "title": view.title,
        "description": view.description,
        "itemType": "feature",
        "links": [
            *links.self_and_alternate(base),
            links.link("items", base + "/items", GEOJSON, "items as GeoJSON", f="json"),
            links.link("items", base + "/items", HTML, "items as HTML", f="html"),
            links.link(
                QUERYABLES_REL, base + "/queryables", "application/schema+json", "queryables"
            ),
            # the draft's rel, by which GDAL 3.6 finds the queryables it may filter on
            links.link("queryables", base + "/queryables", JSON, "queryables"),
        ],
        "crs": ocrs.URIS,
        "storageCrs": ocrs.CRS84,
        "extent": {
            "spatial": {"bbox": [extent or [-180.0, -90.0, 180.0, 90.0]], "crs": ocrs.CRS84}
        },
    }
    if view.temporal:
        trs = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
        doc["extent"]["temporal"] = {"interval": [[None, None]], "trs": trs}
    return doc


def collections(views: list[View], links: Links, extent: list[float] | None) -> dict[str, Any]:
    """Every collection."""
    return {
        "links": links.self_and_alternate("/collections"),
        "collections": [collection(v, links, extent) for v in views],
        "crs": ocrs.URIS,
    }


def queryables(view: View, links: Links) -> dict[str, Any]:
    """The JSON Schema of what a CQL2 filter on ``view`` may name."""
    props: dict[str, Any] = {}
    for name, kind in view.queryables().items():
        props[name] = (
            {"type": "string", "format": "date-time"} if kind == "date-time" else {"type": kind}
        )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": links.to(f"/collections/{view.id}/queryables"),
        "type": "object",
        "title": view.title,
        "properties": props,
        "additionalProperties": False,
        # the draft's list, which GDAL 3.6 reads (JSON Schema ignores unknown keywords)
        "queryables": [{"id": name} for name in props],
    }


def page_links(links: Links, view: View, page: Page, limit: int, offset: int) -> list[dict]:
    """``self``, ``alternate``, ``next`` and ``prev`` links of a page of items, each keeping
    the request's other parameters (filter, bbox, crs...)."""
    path = f"/collections/{view.id}/items"
    keep = {k: v for k, v in links.query.items() if k not in ("offset", "f")}
    keep.pop("limit", None)
    out = [
        links.link("self", path, GEOJSON, "this page", **keep, limit=str(limit),
                   offset=str(offset), f="json"),
        links.link("alternate", path, HTML, "this page as HTML", **keep, limit=str(limit),
                   offset=str(offset), f="html"),
        links.link("collection", f"/collections/{view.id}", JSON, "the collection"),
    ]  # fmt: skip
    if offset + len(page.ids) < page.matched:
        out.append(links.link("next", path, GEOJSON, "next page", **keep, limit=str(limit),
                              offset=str(offset + limit)))  # fmt: skip
    if offset > 0:
        out.append(links.link("prev", path, GEOJSON, "previous page", **keep, limit=str(limit),
                              offset=str(max(offset - limit, 0))))  # fmt: skip
    return out


def features_json(page: Page, crs: ocrs.Crs, links: list[dict] | None) -> str:
    """The page as GeoJSON text (a FeatureCollection with links and counts, or one Feature when
    ``links`` is None) in ``crs``: the features without geometry in one ``json.dumps``, each
    ``"geometry":null`` then replaced by shapely's vectorised GeoJSON of its geometry (property
    keys are column names, and a quote inside a text value is escaped, so the marker cannot occur
    elsewhere)."""
    geoms = list(shapely.to_geojson(ocrs.geoms_to(crs, page.geoms))) if len(page.geoms) else []
    feats = [
        {"type": "Feature", "id": i, "geometry": None, "properties": p}
        for i, p in zip(page.ids, page.props, strict=True)
    ]
    if links is None:
        return _with_geometries(json.dumps(feats[0], ensure_ascii=False), geoms)
    head = {
        "type": "FeatureCollection",
        "numberMatched": page.matched,
        "numberReturned": len(feats),
        "timeStamp": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "links": links,
        "features": feats,
    }
    return _with_geometries(json.dumps(head, ensure_ascii=False, separators=(",", ":")), geoms)


MARKER = '"geometry":null'


def _with_geometries(text: str, geoms: list[str]) -> str:
    """``text`` with its ``"geometry":null`` markers replaced, in order, by ``geoms``."""
    text = text.replace('"geometry": null', MARKER)
    parts = text.split(MARKER)
    if len(parts) != len(geoms) + 1:
        raise ValueError("a property holds the geometry marker")
    out = [parts[0]]
    for g, rest in zip(geoms, parts[1:], strict=True):
        out.append('"geometry":' + g)
        out.append(rest)
    return "".join(out)
