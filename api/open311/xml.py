"""GeoReport v2's XML: the same objects as its JSON, each list item named as the spec names it."""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

# The element of each item of a list, by the list's element (GeoReport v2).
ITEM = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def _fill(el: Element, value: Any) -> None:
    """Put ``value`` into ``el``: a dict as child elements, a list as items, a scalar as text."""
    if isinstance(value, dict):
        for key, v in value.items():
            _fill(SubElement(el, key), v)
    elif isinstance(value, list):
        for v in value:
            _fill(SubElement(el, ITEM.get(el.tag, "item")), v)
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    elif value is not None:
        el.text = str(value)


def to_xml(root: str, value: Any) -> bytes:
    """``value`` as a GeoReport v2 XML document with root element ``root``."""
    el = Element(root)
    _fill(el, value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + tostring(el, encoding="utf-8")
