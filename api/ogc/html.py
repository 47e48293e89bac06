"""Plain, browsable HTML of the OGC API's documents (conformance class ``html``): one page per
document, every value escaped, links as the JSON documents give them."""

from __future__ import annotations

import json
from html import escape
from typing import Any

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>body{{font-family:sans-serif;margin:1.5em;max-width:72em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left}}
</style></head><body><h1>{title}</h1>{body}</body></html>"""


def _links(links: list[dict[str, Any]]) -> str:
    """A list of a document's links."""
    items = "".join(
        f'<li><a href="{escape(str(k["href"]))}">{escape(str(k.get("title") or k["rel"]))}</a>'
        f" ({escape(str(k['rel']))}, {escape(str(k.get('type', '')))})</li>"
        for k in links
    )
    return f"<ul>{items}</ul>"


def _table(rows: list[dict[str, Any]]) -> str:
    """Rows of properties as a table with one column per property."""
    if not rows:
        return "<p>—</p>"
    cols = list(dict.fromkeys(k for r in rows for k in r))
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_text(r.get(c)))}</td>" for c in cols) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _text(v: Any) -> str:
    """A cell's text."""
    return "" if v is None else v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def page(doc: dict[str, Any], title: str) -> str:
    """The HTML of a JSON document of the API (landing, conformance, collections, collection,
    queryables)."""
    parts = []
    if doc.get("description"):
        parts.append(f"<p>{escape(str(doc['description']))}</p>")
    if "conformsTo" in doc:
        parts.append(_links([{"href": c, "rel": "conformance"} for c in doc["conformsTo"]]))
    if "collections" in doc:
        rows = [
            {"id": c["id"], "title": c["title"], "description": c["description"]}
            for c in doc["collections"]
        ]
        parts.append(_table(rows))
    if "properties" in doc:
        props = [{"name": k, **v} for k, v in doc["properties"].items()]
        parts.append(_table(props))
    parts.append(_links(doc.get("links", [])))
    if "collections" in doc:
        parts.append(
            _links([k for c in doc["collections"] for k in c["links"] if k["rel"] == "items"])
        )
    return PAGE.format(title=escape(title), body="".join(parts))


def features(fc: dict[str, Any], title: str) -> str:
    """The HTML of a page of features (or one feature): properties as a table, the links and
    the geometry as GeoJSON text."""
    feats = fc["features"] if fc.get("type") == "FeatureCollection" else [fc]
    rows = [{"id": f.get("id"), **f["properties"]} for f in feats]
    counts = ""
    if "numberMatched" in fc:
        counts = f"<p>{fc['numberReturned']} / {fc['numberMatched']}</p>"
    geoms = "".join(
        f"<details><summary>{escape(_text(f.get('id')))}</summary><pre>"
        f"{escape(json.dumps(f['geometry']))}</pre></details>"
        for f in feats[:50]
    )
    body = counts + _table(rows) + _links(fc.get("links", [])) + geoms
    return PAGE.format(title=escape(title), body=body)
