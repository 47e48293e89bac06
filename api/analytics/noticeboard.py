"""``wangge noticeboard``: a printable notice-board map per cell (网格公示牌).

One A4 page per cell: the cell on an offline folium map with its buildings and the streets
around it (named) and a legend, its 15-digit code, community, households, its leader's display
name and the duty phones residents may call — the published numbers configured per role
(``Settings.duty_phones``), never a person's own phone. Dates are local (Asia/Shanghai); zoom
buttons are not printed (``offline_maps.PRINT_CSS``). Each board carries the QR code of the
residents' report page for its cell (``api.residents.qr``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import folium
import shapely
from geoalchemy2.shape import to_shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.analytics.offline_maps import iframe, new_map
from api.errors import InvalidInput
from api.models import Building, Cell, Community, LeaderAssignment, User, utcnow
from api.models.analytics import Road
from api.periods import ZONE
from api.residents.qr import qr_svg, report_url
from api.settings import Settings
from api.store import Store
from grid.domain.caseflow import Role

STYLE = """@page{size:A4;margin:12mm}
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#111}
.board{page-break-after:always;border:3px solid #c00;padding:16px}
.board h1{color:#c00;text-align:center;font-size:30px;margin:4px}
.code{font:bold 28px monospace;text-align:center;letter-spacing:2px}
dl{display:grid;grid-template-columns:8em 1fr;font-size:20px}dt{font-weight:bold}
.legend{font-size:15px;margin:6px 0}.legend span{display:inline-block;width:22px;height:12px;
margin:0 4px 0 14px;vertical-align:middle;border:2px solid}.made{color:#333;font-size:14px}
.qr{text-align:center;margin:8px}.qr svg{width:40mm;height:40mm}"""
# The duty phones a board lists: (role, label), the cell's leader first.
DUTY_ROLES = ((Role.OFFICER, "网格值班电话"), (Role.POLICE, "社区民警值班电话"))
Roads = Sequence[tuple[str | None, shapely.Geometry]]  # (name, line) of every road
LEGEND = (
    ("#c00", "#fdd", "本网格"),
    ("#555", "#bbb", "楼栋"),
    ("#e08a00", "#e08a00", "道路"),
)


def _roads_near(roads: Roads, area: shapely.Geometry) -> list[tuple[str | None, shapely.Geometry]]:
    """The roads that cross or touch ``area`` grown by a little (the streets around the cell)."""
    around = area.buffer(0.0015)
    return [(name, g) for name, g in roads if g.intersects(around)]


def _board_map(s: Session, cell: Cell, roads: Roads) -> str:
    """The board's map: buildings, named streets, the cell outline, and a legend under it."""
    geom = to_shape(cell.geom)
    m = new_map(geom.bounds)
    for b in s.scalars(select(Building.geom).where(Building.cell_code == cell.code)):
        folium.GeoJson(
            shapely.geometry.mapping(to_shape(b)),
            style_function=lambda _f: {
                "color": "#555",
                "weight": 1,
                "fillColor": "#bbb",
                "fillOpacity": 0.8,
            },
        ).add_to(m)
    named: set[str] = set()
    for name, g in _roads_near(roads, geom):
        line = folium.GeoJson(
            shapely.geometry.mapping(g),
            style_function=lambda _f: {"color": "#e08a00", "weight": 4, "opacity": 0.9},
        )
        if name and name not in named:  # one printed label per street name
            named.add(name)
            line.add_child(folium.Tooltip(html.escape(name), permanent=True, direction="center"))
        line.add_to(m)
    folium.GeoJson(
        shapely.geometry.mapping(geom),
        style_function=lambda _f: {
            "color": "#c00",
            "weight": 4,
            "fillColor": "#fdd",
            "fillOpacity": 0.25,
        },
    ).add_to(m)
    legend = "".join(
        f'<span style="border-color:{line};background:{fill}"></span>{text}'
        for line, fill, text in LEGEND
    )
    return (
        iframe(m, height=520, title=f"网格 {cell.code} 地图")
        + f'<p class="legend">图例：{legend}</p>'
    )


def _board(s: Session, cell: Cell, roads: Roads, settings: Settings) -> str:
    """One notice board for a current cell."""
    leader = s.scalar(
        select(User.display_name)
        .join(LeaderAssignment, LeaderAssignment.user_id == User.id)
        .where(LeaderAssignment.cell_code == cell.code, LeaderAssignment.latest())
    )
    comm = s.get(Community, cell.community_code)
    name = leader.strip() if leader and leader.strip() else "（待定）"
    phones = settings.duty_phones
    duty = (
        "".join(
            f"<dt>{label}</dt><dd>{html.escape(phones[role.value])}</dd>"
            for role, label in DUTY_ROLES
            if phones.get(role.value)
        )
        or "<dt>值班电话</dt><dd>请拨打社区居委会电话</dd>"
    )
    return (
        f'<section class="board"><h1>网格公示牌</h1><p class="code">{cell.code}</p>'
        f"{_board_map(s, cell, roads)}<dl>"
        f"<dt>所属社区</dt><dd>{html.escape(comm.name if comm else cell.community_code)}</dd>"
        f"<dt>网格编码</dt><dd>{cell.code}</dd><dt>户数</dt><dd>{int(cell.households)} 户</dd>"
        f"<dt>网格长</dt><dd>{html.escape(name)}</dd>{duty}</dl>"
        f'<figure class="qr">{qr_svg(report_url(settings, cell.code))}'
        "<figcaption>扫码随手拍：居民上报问题 Scan to report a problem</figcaption></figure>"
        f'<p class="made">制作日期：{utcnow().astimezone(ZONE):%Y-%m-%d}</p></section>'
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
        roads = [(n, to_shape(g)) for n, g in s.execute(select(Road.name, Road.geom))]
        boards = "".join(_board(s, c, roads, store.settings) for c in cells)
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>网格公示牌</title><style>{STYLE}</style></head><body>{boards}</body></html>"
    )
