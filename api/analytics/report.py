"""``wangge report``: a self-contained HTML report of one community for one month.

Three folium maps (cells by record count, the H3 heat layer, service coverage rings) and the
tables (per-cell counts and KPIs, coverage per community), all computed by the analytics modules
over grid/, with Leaflet inlined so the file opens offline.
"""

from __future__ import annotations

import html
import math
from typing import Any

import folium
import pandas as pd
import shapely
from sqlalchemy.orm import Session

from api.accounts.access import Scope
from api.analytics import coverage as acov
from api.analytics import heat as aheat
from api.analytics import table as atable
from api.analytics.filters import Days, HeatFilter
from api.analytics.offline_maps import iframe, new_map
from api.analytics.stats import KpiBy
from api.areas.cellcache import CellRow
from api.errors import InvalidInput
from api.models import Community, utcnow
from api.periods import ZONE
from api.store import Store
from grid.analysis.heat import ColourScale
from grid.domain.caseflow import Role
from grid.domain.residents import SATISFACTION_TARGET

HEAT_RES = 10
STYLE = """body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:24px;color:#222}
h1{font-size:22px}h2{font-size:18px;margin-top:28px}table{border-collapse:collapse;font-size:13px}
td,th{border:1px solid #ccc;padding:3px 6px;text-align:right}th{background:#f0f3f8}
.legend span{display:inline-block;width:18px;height:12px;margin:0 4px 0 10px;
vertical-align:middle}"""


def _outlines(m: folium.Map, cells: list[CellRow]) -> None:
    """Cell outlines with their codes as tooltips."""
    for r in cells:
        folium.GeoJson(
            shapely.geometry.mapping(r.geom),
            tooltip=r.code,
            style_function=lambda _f: {"color": "#003a8c", "weight": 1, "fillOpacity": 0},
        ).add_to(m)


def cells_map(
    cells: list[CellRow], table: pd.DataFrame, bounds: tuple
) -> tuple[folium.Map, ColourScale]:
    """Choropleth of records per cell on a quantile scale of the month's counts."""
    m = new_map(bounds)
    totals = table.set_index("cell_code")["total"] if len(table) else pd.Series(dtype=int)
    scale = ColourScale.from_reference(totals.to_numpy())
    for r in cells:
        n = int(totals.get(r.code, 0))
        colour = scale.colour([n])[0] or "#ffffff"
        folium.GeoJson(
            shapely.geometry.mapping(r.geom),
            tooltip=f"{r.code}: {n}",
            style_function=lambda _f, c=colour: {
                "color": "#555",
                "weight": 1,
                "fillColor": c,
                "fillOpacity": 0.75,
            },
        ).add_to(m)
    return m, scale


def heat_map(cells: list[CellRow], heat: dict[str, Any], bounds: tuple) -> folium.Map:
    """The H3 heat layer on the fixed reference scale, over the cell outlines."""
    m = new_map(bounds)
    _outlines(m, cells)
    for f in heat["features"]:
        p = f["properties"]
        folium.GeoJson(
            f["geometry"],
            tooltip=f"{p['h3']}: {p['count']}",
            style_function=lambda _f, c=p["colour"] or "#ffffff": {
                "color": c,
                "weight": 0.5,
                "fillColor": c,
                "fillOpacity": 0.7,
            },
        ).add_to(m)
    return m


def coverage_map(cells: list[CellRow], cov: dict[str, Any], bounds: tuple) -> folium.Map:
    """Centres with their service rings (red when over capacity) and the uncovered buildings."""
    m = new_map(bounds)
    _outlines(m, cells)
    for f in cov["uncovered_buildings"]["features"]:
        folium.GeoJson(
            f["geometry"],
            tooltip=f"{f['properties']['households']:.0f} 户",
            style_function=lambda _f: {
                "color": "#c00",
                "weight": 1,
                "fillColor": "#f66",
                "fillOpacity": 0.8,
            },
        ).add_to(m)
    for f in cov["centres"]["features"]:
        p, (lon, lat) = f["properties"], f["geometry"]["coordinates"]
        colour = "#c00" if p["over_capacity"] else "#1a7f37"
        folium.Circle(
            [lat, lon],
            radius=p["radius_m"],
            color=colour,
            weight=2,
            fill=True,
            fill_opacity=0.08,
            tooltip=f"{p['name']} {p['allocated']:.0f}/{p['capacity']}",
        ).add_to(m)
        folium.CircleMarker([lat, lon], radius=5, color=colour, fill=True, fill_opacity=1).add_to(m)
    return m


def _number(v: Any) -> str:
    """A number as people read it: whole numbers without ".0", others to one decimal."""
    if pd.isna(v):
        return "—"
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def _table_html(frame: pd.DataFrame) -> str:
    """A DataFrame as an HTML table with Chinese headings, rates as percentages and counts as
    whole numbers (never "2008.0")."""
    shown = frame.copy()
    for c in shown.columns:
        if c.endswith("rate") or c == "patrol_coverage" or c == "share":
            shown[c] = shown[c].map(lambda v: "—" if pd.isna(v) else f"{v:.0%}")
        elif pd.api.types.is_numeric_dtype(shown[c]) and not pd.api.types.is_bool_dtype(shown[c]):
            shown[c] = shown[c].map(_number)
    shown.columns = [atable.LABELS.get(c, (c, c))[0] for c in shown.columns]
    return shown.to_html(index=False, border=0, na_rep="—")


def class_labels(scale: ColourScale) -> list[tuple[str, str]]:
    """(colour, label) per class of a scale over whole counts: the class of breaks [b0, b1)
    holds the counts ceil(b0)..ceil(b1)-1, shown as "3–5", "6" or "≥12"; classes that hold no
    whole count are left out."""
    out = []
    bounds = [math.ceil(b) for b in scale.breaks]
    for i, colour in enumerate(scale.colours):
        lo = max(bounds[i], 1)
        if i + 1 == len(bounds):
            out.append((colour, f"≥{lo}"))
            continue
        hi = bounds[i + 1] - 1
        if hi >= lo:
            out.append((colour, str(lo) if hi == lo else f"{lo}–{hi}"))
    return out


def _legend(rows: list[tuple[str, str]], unit: str) -> str:
    """A legend line under a map: a swatch and a label per class, and what the numbers count."""
    items = "".join(f'<span style="background:{c}"></span>{html.escape(t)}' for c, t in rows)
    return f'<p class="legend"><b>图例（{html.escape(unit)}）</b>{items}</p>'


COVERAGE_LEGEND = [
    ("#1a7f37", "服务中心及服务半径"),
    ("#c00", "超出容量的中心"),
    ("#f66", "未覆盖的楼栋"),
    ("#003a8c", "网格边界"),
]


def _satisfaction_line(table: pd.DataFrame) -> str:
    """The community's residents' satisfaction beside the policy target (居民满意率达90%以上)."""
    rated = int(table["rated"].sum()) if len(table) else 0
    target = f"{SATISFACTION_TARGET:.0%}"
    if not rated:
        return f"<p>居民满意率：本期无评价（目标 ≥{target}）。</p>"
    rate = int(table["satisfied"].sum()) / rated
    verdict = "达标" if rate >= SATISFACTION_TARGET else "未达标"
    return f"<p>居民满意率：{rate:.0%}（{rated} 件评价，目标 ≥{target}，{verdict}）。</p>"


def _register_line(table: pd.DataFrame) -> list[str]:
    """The register's totals for the community today (nothing when no register is loaded)."""
    if "reg_households" not in table or not int(table["reg_households"].sum()):
        return []
    return [
        f"<p>实有人口（登记）：{int(table['reg_households'].sum())} 户，"
        f"{int(table['residents'].sum())} 人，其中流动人口 {int(table['floating'].sum())} 人；"
        f"出租房屋 {int(table['rented_rooms'].sum())} 间，"
        f"空置 {int(table['vacant_rooms'].sum())} 间。</p>"
    ]


def build(store: Store, community: str, period: Days) -> str:
    """The report's HTML for ``community`` over ``period``."""
    with store.sessions() as s:
        return _build(s, store, community, period)


def _build(s: Session, store: Store, community: str, period: Days) -> str:
    """The report's HTML from an open session."""
    comm = s.get(Community, community)
    if comm is None:
        raise InvalidInput(f"no community {community}", ("community",))
    store.cells.refresh(s)
    scope = Scope(0, "report", Role.ADMIN, None, frozenset({community}))
    cells = sorted(aheat.visible_cells(store.cells, scope), key=lambda r: r.code)
    if not cells:
        raise InvalidInput(f"community {community} has no current cells", ("community",))
    bounds = tuple(shapely.union_all([r.geom for r in cells]).bounds)
    table = atable.table(s, scope, KpiBy.CELL, *period.bounds())
    heat = aheat.heat_layer(
        s, scope, HeatFilter(period, None, None, None, None), HEAT_RES, store.settings.h3_resolution
    )
    try:
        cov = acov.coverage(s, scope, community, "straight", None)
    except InvalidInput as e:
        cov, cov_note = None, e.msg
    m1, scale = cells_map(cells, table, bounds)
    heat_scale = ColourScale(tuple(heat["scale"]["breaks"]), tuple(heat["scale"]["colours"]))
    parts = [
        f"<h1>{html.escape(comm.name)}（{community}）网格分析报告 · {period.start:%Y-%m}</h1>",
        f"<p>统计期：{period.start} 至 {period.end}（不含），"
        f"生成于 {utcnow().astimezone(ZONE):%Y-%m-%d %H:%M}（北京时间）。"
        f"网格 {len(cells)} 个，记录 {int(table['total'].sum()) if len(table) else 0} 条。</p>",
        "<h2>各网格记录数</h2>",
        iframe(m1, title="cells"),
        _legend([("#ffffff", "0"), *class_labels(scale)], "每个网格的记录条数"),
        f"<h2>热力图（H3 {HEAT_RES} 级）</h2>",
        iframe(heat_map(cells, heat, bounds), title="heat"),
        _legend(class_labels(heat_scale), "每个六边形的记录条数"),
        "<h2>服务覆盖</h2>",
    ]
    if cov is None:
        parts.append(f"<p>{html.escape(cov_note)}</p>")
    else:
        parts += [
            iframe(coverage_map(cells, cov, bounds), title="coverage"),
            _legend(COVERAGE_LEGEND, "颜色含义"),
            f"<p>覆盖 {cov['covered']:.0f} / {cov['households']:.0f} 户；"
            f"未覆盖楼栋 {cov['uncovered_buildings_total']} 栋。</p>",
            _table_html(pd.DataFrame(cov["communities"])),
        ]
    parts += ["<h2>网格统计与考核指标</h2>", _satisfaction_line(table), *_register_line(table),
              _table_html(table)]
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>网格分析报告 {community} {period.start:%Y-%m}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(parts)}</body></html>"
    )
