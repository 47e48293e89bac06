"""The per-cell QR link of the residents' report page (printed on the cell's notice board)."""

from __future__ import annotations

import io
from urllib.parse import quote

import segno

from api.settings import Settings


def report_url(settings: Settings, cell_code: str) -> str:
    """The report page's address for ``cell_code``, as a resident's phone reaches it."""
    return f"{settings.public_url.rstrip('/')}/report.html?cell={quote(cell_code)}"


def qr_svg(url: str, scale: int = 4) -> str:
    """``url`` as a QR code in SVG (error correction M, no XML declaration: it can be inlined)."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=scale, xmldecl=False, svgns=True)
    return out.getvalue().decode()
