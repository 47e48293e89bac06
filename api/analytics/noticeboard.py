"""``wangge noticeboard``: a printable notice-board map per cell (网格公示牌).

One A4 page per cell: the cell on an offline folium map with its buildings and the streets
around it (named) and a legend, its 15-digit code, community, households, and its whole duty
roster (一格多元, ``api.roster``): each role with the holder's display or contact name and the
duty phone residents may call — the entry's published number, else the one configured per role
(``Settings.duty_phones``), never a person's own phone or login name. Dates are local
(Asia/Shanghai); zoom buttons are not printed (``offline_maps.PRINT_CSS``). Each board carries
the QR code of the residents' report page for its cell (``api.residents.qr``).
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
from api.models import Building, Cell, Community, utcnow
from api.models.analytics import Road
from api.periods import ZONE
from api.residents.qr import qr_svg, report_url
from api.roster.service import members_at
from api.settings import Settings
from api.store import Store
from grid.domain import roster
from grid.domain.caseflow import Role

STYLE = """@page{size:A4;margin:12mm}
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#111}
.board{page-break-after:always;border:3px solid #c00;padding:16px}
.board h1{color:#c00;text-align:center;font-size:30px;margin:4px}
.code{font:bold 28px monospace;text-align:center;letter-spacing:2px}
dl{display:grid;grid-template-columns:8em 1fr;font-size:20px}dt{font-weight:bold}
.legend{font-size:15px;margin:6px 0}.legend span{display:inline-block;width:22px;height:12px;
margin:0 4px 0 14px;vertical-align:middle;border:2px solid}.made{color:#333;font-size:14px}
.qr{text-align:center;margin:8px}.qr svg{width:40mm;height:40mm}
.roster{width:100%;border-collapse:collapse;font-size:18px;margin:8px 0}
.roster caption{font-weight:bold;font-size:22px;color:#c00;text-align:left}
.roster th,.roster td{border:1px solid #999;padding:4px 8px;text-align:left}
.roster .phone{font:bold 18px monospace;white-space:nowrap}.office{font-size:18px}"""
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


def _roster_rows(s: Session, cell: Cell, settings: Settings) -> str:
    """The cell's whole roster now as table rows: role, display or contact name (never a login
    name or a private phone), building and unit where the role is per building, and the
    published duty phone (the entry's own, else the one configured for its role)."""
    members = members_at(s, [cell.code], utcnow())
    ids = {e.building_id for e, _ in members if e.building_id is not None}
    names = (
        dict(s.execute(select(Building.id, Building.name).where(Building.id.in_(ids))).all())
        if ids
        else {}
    )
    rows = []
    for entry, user in members:
        rule = roster.role_rule(entry.role)
        who = (user.display_name.strip() if user else entry.contact_name) or "（待定）"
        where = ""
        if entry.building_id is not None:
            where = names.get(entry.building_id) or f"{entry.building_id}号楼栋"
            where += f" {entry.unit}单元" if entry.unit is not None else ""
        phone = roster.duty_phone(entry.role, entry.duty_phone, settings.duty_phones) or ""
        rows.append(
            f"<tr><th scope='row'>{html.escape(rule.term.zh if rule else entry.role)}</th>"
            f"<td>{html.escape(who)}</td><td>{html.escape(where)}</td>"
            f"<td class='phone'>{html.escape(phone)}</td></tr>"
        )
    held = {e.role for e, _ in members}
    for rule in roster.ROSTER_ROLES:  # a role with a configured number and no holder yet
        vacant = roster.duty_phone(rule.code, None, settings.duty_phones)
        if rule.code not in held and vacant:
            rows.append(
                f"<tr><th scope='row'>{html.escape(rule.term.zh)}</th><td>（待定）</td><td></td>"
                f"<td class='phone'>{html.escape(vacant)}</td></tr>"
            )
    return "".join(rows)


def _board(s: Session, cell: Cell, roads: Roads, settings: Settings) -> str:
    """One notice board for a current cell: map, facts, the duty roster and the report QR."""
    comm = s.get(Community, cell.community_code)
    office = settings.duty_phones.get(Role.STREET.value)
    fallback = (
        f"<p class='office'>值班电话 Duty phone：{html.escape(office)}</p>"
        if office
        else "<p class='office'>其他事项请拨打社区居委会电话</p>"
    )
    return (
        f'<section class="board"><h1>网格公示牌</h1><p class="code">{cell.code}</p>'
        f"{_board_map(s, cell, roads)}<dl>"
        f"<dt>所属社区</dt><dd>{html.escape(comm.name if comm else cell.community_code)}</dd>"
        f"<dt>网格编码</dt><dd>{cell.code}</dd><dt>户数</dt><dd>{int(cell.households)} 户</dd></dl>"
        '<table class="roster"><caption>网格服务团队 Grid team</caption>'
        "<thead><tr><th scope='col'>职责</th><th scope='col'>姓名</th>"
        "<th scope='col'>楼栋/单元</th><th scope='col'>值班电话</th></tr></thead>"
        f"<tbody>{_roster_rows(s, cell, settings)}</tbody></table>{fallback}"
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
