"""The street office's day on the KPI table, at 1440×900 and 1280×800: read the full-width table
(names beside codes, sticky headers), sort it, switch the measure live, link a row to its cell on
the map and a cell to its row, read the KPIs over months, and export the XLSX (opened with
openpyxl: title row with district and period, frozen header, widths, number formats)."""

from __future__ import annotations

import io

import openpyxl
import pytest

from . import world
from .a11y import assert_accessible
from .analytics_day import DESKTOP, incidents, open_view, small_targets
from .conftest import LANDSCAPE, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def street_data(server):  # noqa: ANN001, ANN201
    incidents(server, 20, seed=21, tag="街道日")
    return server


def _column(page, col: str) -> list[str]:  # noqa: ANN001
    idx = page.eval_on_selector_all(
        "#kpi-table thead th", f"ths => ths.findIndex(th => th.dataset.col === '{col}')")
    return page.eval_on_selector_all(
        "#kpi-table tbody tr", f"trs => trs.map(tr => tr.children[{idx}].textContent)")


@pytest.mark.parametrize("size", [DESKTOP, LANDSCAPE], ids=["1440x900", "1280x800"])
def test_street_day(street_data, tablet, size):
    tag = f"{size['width']}x{size['height']}"
    with (day := open_view(tablet, "street", "street", size)).step("sign in and the table"):
        page = day.page
        page.wait_for_selector("#kpi-table tbody tr")
        page.wait_for_selector("#chart-months svg")
    rows = page.locator("#kpi-table tbody tr").count()
    assert rows >= world.COLS * world.ROWS
    table_box = page.locator("#wide").bounding_box()
    assert table_box["width"] >= size["width"] - 20  # full width, not a side panel
    assert set(_column(page, "community_name")) <= {"一社区", "二社区"}
    assert "王网格" in _column(page, "leader_name")
    th = "#kpi-table thead th"
    assert page.eval_on_selector(th, "th => getComputedStyle(th).position") == "sticky"
    header_h = page.eval_on_selector(th, "th => th.getBoundingClientRect().height")
    assert header_h < 80  # headers wrap by word, not one character per line
    shot(page, f"day-street-table-{tag}")

    with day.step("sort by records"):
        day.click("#kpi-table th[data-col=total] button")
    totals = [int(x.replace(",", "")) for x in _column(page, "total")]
    assert totals == sorted(totals, reverse=True) and totals[0] > 0

    with day.step("switch the measure (live)"):
        page.select_option("#f-measure", "closure_rate")
        page.wait_for_function("document.getElementById('legend').textContent.includes('办结率')")
    assert page.locator("#legend .sw").count() >= 5

    with day.step("row to map"):
        first = page.locator("#kpi-table tbody tr").first
        code = first.get_attribute("data-key")
        day.click("#kpi-table tbody tr >> nth=0")
        page.wait_for_function(f"""() => {{
            const p = document.querySelector(".leaflet-overlay-pane path[data-key='{code}']");
            return p && p.getAttribute('stroke-width') === '4'; }}""")
    with day.step("map to row"):
        other = page.evaluate(f"""() => {{
            const box = document.getElementById('a-map').getBoundingClientRect();
            const seen = [...document.querySelectorAll('.leaflet-overlay-pane path[data-key]')]
              .filter((p) => {{ const r = p.getBoundingClientRect(); const x = r.x + r.width / 2;
                const y = r.y + r.height / 2;
                return x > box.left + 20 && x < box.right - 20 && y > Math.max(box.top, 0) + 20
                  && y < Math.min(box.bottom, innerHeight) - 20 && p.dataset.key !== '{code}'; }});
            return seen[0].dataset.key; }}""")
        page.locator(f".leaflet-overlay-pane path[data-key='{other}']").click(force=True)
        day.clicks += 1
        page.wait_for_selector(f"#kpi-table tr.picked[data-key='{other}']")
    shot(page, f"day-street-picked-{tag}")

    with day.step("export the XLSX"), page.expect_download() as dl:
        day.click("#export-xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(open(dl.value.path(), "rb").read())).active
    title = ws.cell(1, 1).value
    assert "和平区" in title and page.input_value("#f-from") in title and "生成于" in title
    assert ws.cell(2, 1).value == "网格编码" and ws.cell(2, 2).value == "社区"
    assert ws.freeze_panes == "B3" and ws.max_row == rows + 2
    assert ws.column_dimensions["A"].width >= 15
    rate = [c for c in range(1, ws.max_column + 1) if ws.cell(2, c).value == "办结率"][0]
    assert ws.cell(3, rate).number_format == "0.0%"
    assert_accessible(page)
    assert small_targets(page) == []
    tally = day.save()
    print(tally)
    assert day.outside == [] and tally["clicks"] <= 6
