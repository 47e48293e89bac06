"""``wangge noticeboard``: a printable notice-board map per cell (网格公示牌).

One A4 page per cell: the cell outline on an offline folium map, its 15-digit code, community,
households, its leader's name with the phone masked (``api.accounts.access.mask_phone``), and
the QR code of the residents' report page for the cell (``api.residents.qr``).
"""

from __future__ import annotations

import html

import folium
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.accounts.access import mask_phone
from api.analytics.offline_maps import iframe, new_map
from api.errors import InvalidInput
from api.models import Cell, Community, LeaderAssignment, User
from api.residents.qr import qr_svg, report_url
from api.settings import Settings
from api.store import Store

STYLE = """@page{size:A4;margin:12mm}
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif}
.board{page-break-after:always;border:3px solid #c00;padding:16px}
.board h1{color:#c00;text-align:center;font-size:30px;margin:4px}
.code{font:bold 28px monospace;text-align:center;letter-spacing:2px}
dl{display:grid;grid-template-columns:7em 1fr;font-size:20px}dt{font-weight:bold}
.qr{text-align:center;margin:8px}.qr svg{width:40mm;height:40mm}"""


def _board(s: Session, cell: Cell, settings: Settings) -> str:
    """One notice board for a current cell."""
    leader = s.execute(
        select(User.display_name, User.phone)
        .join(LeaderAssignment, LeaderAssignment.user_id == User.id)
        .where(LeaderAssignment.cell_code == cell.code, LeaderAssignment.latest())
    ).first()
    comm = s.get(Community, cell.community_code)
    from geoalchemy2.shape import to_shape

    geom = to_shape(cell.geom)
    m = new_map(geom.bounds)
    folium.GeoJson(
        shapely.geometry.mapping(geom),
        style_function=lambda _f: {
            "color": "#c00",
            "weight": 3,
            "fillColor": "#fdd",
            "fillOpacity": 0.4,
        },
    ).add_to(m)
    name, phone = (leader.display_name, mask_phone(leader.phone)) if leader else ("（待定）", "—")
    return (
        f'<section class="board"><h1>网格公示牌</h1><p class="code">{cell.code}</p>'
        f"{iframe(m, height=520, title=cell.code)}<dl>"
        f"<dt>所属社区</dt><dd>{html.escape(comm.name if comm else cell.community_code)}</dd>"
        f"<dt>网格编码</dt><dd>{cell.code}</dd><dt>户数</dt><dd>{cell.households}</dd>"
        f"<dt>网格长</dt><dd>{html.escape(name)}</dd><dt>联系电话</dt><dd>{phone or '—'}</dd>"
        "</dl>"
        f'<figure class="qr">{qr_svg(report_url(settings, cell.code))}'
        "<figcaption>扫码随手拍：居民上报问题 Scan to report a problem</figcaption></figure>"
        "</section>"
    )


def build(store: Store, *, cell: str | None = None, community: str | None = None) -> str:
    """Notice boards for one cell, or for every current cell of a community, as one HTML page."""
    with store.sessions() as s:
        q = select(Cell).where(Cell.latest()).order_by(Cell.code)
        q = q.where(Cell.code == cell) if cell else q.where(Cell.community_code == community)
        cells = list(s.scalars(q))
        if not cells:
            raise InvalidInput(
                f"no current cell {cell or 'in community ' + str(community)}",
                ("cell" if cell else "community",),
            )
        boards = "".join(_board(s, c, store.settings) for c in cells)
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>网格公示牌</title><style>{STYLE}</style></head><body>{boards}</body></html>"
    )
