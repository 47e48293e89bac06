"""Folium maps that open offline: Leaflet inlined from the app's vendored copy, no CDN at all.

Folium's pages load Leaflet, jQuery, Bootstrap and Font Awesome from CDNs. Our maps use only
Leaflet (polygons, circles, tooltips; no tiles, no icon markers), so ``standalone_html`` drops the
CDN references and inlines ``web/public/vendor/leaflet`` (built by ``npm run build`` in web/).
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any, cast

import folium

VENDOR = Path(__file__).resolve().parent.parent.parent / "web" / "public" / "vendor" / "leaflet"
_CDN_SCRIPT = re.compile(r'<script src="https?://[^"]+"></script>\s*')
_CDN_LINK = re.compile(r'<link rel="stylesheet" href="https?://[^"]+"\s*/?>\s*')
PRINT_CSS = (
    "<style>@media print{.leaflet-control-zoom,.leaflet-control-attribution,"
    ".leaflet-control-layers{display:none!important}}</style>"
)


def new_map(bounds: tuple[float, float, float, float]) -> folium.Map:
    """A tile-less map fitted to (minlon, minlat, maxlon, maxlat), with no CDN dependencies."""
    m = folium.Map(tiles=None, control_scale=True, zoom_control=True)
    m.default_js, m.default_css = [], []
    # Nothing interactive is printed: zoom buttons and attribution stay on the screen only.
    cast(Any, m.get_root()).header.add_child(folium.Element(PRINT_CSS))
    x0, y0, x1, y1 = bounds
    m.fit_bounds([[y0, x0], [y1, x1]])
    return m


def leaflet_assets() -> str:
    """Leaflet's CSS and JS as inline <style> and <script> elements."""
    js, css = VENDOR / "leaflet.js", VENDOR / "leaflet.css"
    if not js.exists():
        raise FileNotFoundError(f"{js} is missing: run `npm ci && npm run build` in web/")
    return (
        f"<style>{css.read_text(encoding='utf-8')}</style>\n"
        f"<script>{js.read_text(encoding='utf-8')}</script>\n"
    )


def standalone_html(m: folium.Map) -> str:
    """The map as a complete HTML document with Leaflet inlined and no external references."""
    page = m.get_root().render()
    page = _CDN_SCRIPT.sub("", _CDN_LINK.sub("", page))
    return page.replace("<head>", "<head>\n" + leaflet_assets(), 1)


def iframe(m: folium.Map, height: int = 460, title: str = "") -> str:
    """The map embedded as an ``<iframe srcdoc>`` so several maps can share one offline page."""
    doc = html.escape(standalone_html(m), quote=True)
    return (
        f'<iframe class="map" title="{html.escape(title)}" srcdoc="{doc}" '
        f'style="width:100%;height:{height}px;border:1px solid #ccc"></iframe>'
    )
