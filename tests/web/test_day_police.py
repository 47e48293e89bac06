"""The police liaison's day on the heat view, at 1440×900 and 1280×800: read the map (integer
classes with units over community, cell and road outlines), filter with pickers, click the
weekday × hour matrix, read the hot-spot sentence, compare with last year, drill down to a record
with its photo and open it by its link. Clicks are counted, steps timed, screenshots saved, and
axe-core finds no serious or critical violation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import h3
import pytest

from . import world
from .a11y import assert_accessible
from .analytics_day import DESKTOP, incidents, open_view, small_targets
from .conftest import LANDSCAPE, png, shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def police_data(server):  # noqa: ANN001, ANN201
    """Thirty incidents, and one more with a photo in the south-west corner."""
    incidents(server, 30, seed=11, tag="警务日")
    up = server.post("/photos", "officer", files={"file": ("p.png", png(3)["buffer"], "image/png")})
    assert up.status_code in (200, 201), up.text
    r = server.post("/records", "officer", json={
        "id": str(uuid.uuid4()), "kind": "incident", "category": "fire", "priority": "routine",
        "description": "带照片的警情", "photos": [up.json()["sha256"]],
        "occurred_at": (datetime.now(UTC) - timedelta(days=2)).isoformat(),
        "lon": world.X0 + 0.0006, "lat": world.Y0 + 0.0006,
    })
    assert r.status_code == 201, r.text
    return server, r.json()


def _total(page) -> int:  # noqa: ANN001
    page.wait_for_function("/^\\d+ /.test(document.getElementById('status').textContent)")
    return int(page.text_content("#status").split()[0])


def _matrix_cell(page, hour: int, weekday: int) -> tuple[float, float]:  # noqa: ANN001
    """The page position of one cell of the weekday × hour chart (once the chart is drawn: it
    comes with the profile, after the map)."""
    page.wait_for_function("""() => { const el = document.getElementById('chart-matrix');
        return el && echarts.getInstanceByDom(el); }""")
    page.locator("#chart-matrix").scroll_into_view_if_needed()  # as a user scrolls the panel
    return tuple(page.evaluate("""([h, d]) => {
        const el = document.getElementById('chart-matrix');
        const [x, y] = echarts.getInstanceByDom(el).convertToPixel({ seriesIndex: 0 }, [h, d]);
        const r = el.getBoundingClientRect();
        return [r.left + x, r.top + y];
    }""", [hour, weekday]))


@pytest.mark.parametrize("size", [DESKTOP, LANDSCAPE], ids=["1440x900", "1280x800"])
def test_police_day(police_data, tablet, size):
    server, with_photo = police_data
    tag = f"{size['width']}x{size['height']}"
    with (day := open_view(tablet, "police", "police", size)).step("sign in and first map"):
        page = day.page
        page.wait_for_selector("path[data-h3]")
        day.ready()
    legend = page.text_content("#legend")
    assert "records per bin" in legend or "条记录/格" in legend
    assert "." not in legend and "≥" in legend  # whole-number classes
    assert page.locator(".leaflet-context-pane canvas").count() == 1  # outlines under the bins
    assert page.locator(".comm-label").count() == 2  # the communities, named
    assert page.locator("#chart-weekly svg").count() == 1
    assert page.locator("#chart-cats svg").count() == 1
    everything = _total(page)
    shot(page, f"day-police-map-{tag}")

    with day.step("filter fires with the pickers"):
        page.select_option("#f-kind", "incident")
        page.select_option("#f-category", "fire")
        day.click("#apply")
        day.ready()
    fires = _total(page)
    want = server.get("/analytics/heat", "police", params={
        "kind": "incident", "category": "fire", "from": page.input_value("#f-from"),
        "to": page.input_value("#f-to")}).json()["total"]
    assert fires == want and 0 < fires < everything

    prof = server.get("/analytics/profile", "police", params={
        "kind": "incident", "category": "fire", "from": page.input_value("#f-from"),
        "to": page.input_value("#f-to")}).json()
    busiest = max(((v, hr, d) for d, row in enumerate(prof["matrix"]) for hr, v in enumerate(row)))
    with day.step("click the busiest weekday × hour"):
        day.tap_xy(*_matrix_cell(page, busiest[1], busiest[2]))
        day.ready()
        page.wait_for_function(f"document.getElementById('f-hour-from').value === '{busiest[1]}'")
    assert page.locator("#f-weekdays input:checked").count() == 1
    assert _total(page) == busiest[0]
    shot(page, f"day-police-matrix-{tag}")

    with day.step("clear the time pickers, hot spots and last year"):
        page.select_option("#f-hour-from", "")
        page.select_option("#f-hour-to", "")
        page.locator("#f-weekdays input:checked").uncheck()
        day.click("#f-hotspots")
        day.ready()
        day.click("#f-compare")
        day.ready()
    sentence = page.text_content("#spots")
    assert len(sentence) > 10 and ("热点" in sentence or "冷热点" in sentence)
    assert "上升" in page.text_content("#status")

    with day.step("drill down to the record with a photo"):
        res = int(page.evaluate("window.wanggeAnalytics.map.getZoom()"))  # to read data-h3 below
        bins = page.eval_on_selector_all("path[data-h3]", "els => els.map(e => e.dataset.h3)")
        mine = [b for b in bins if h3.cell_to_parent(with_photo["h3"], h3.get_resolution(b)) == b]
        assert mine, (res, bins[:3])
        page.locator(f"path[data-h3='{mine[0]}']").click(force=True)
        day.clicks += 1
        card = f"#drill article[data-id='{with_photo['id']}']"
        page.wait_for_selector(f"{card} img.rec-photo[src^=blob]")
    title = page.text_content("#drill-title")
    assert mine[0] not in title and world.C1 in title  # cells named, not the H3 id
    shot(page, f"day-police-drill-{tag}")
    with day.step("open the record by its link"):
        day.click(f"#drill article[data-id='{with_photo['id']}'] a.rec-link")
        page.wait_for_function("document.querySelectorAll('#drill article').length === 1")
    assert "带照片的警情" in page.text_content("#drill")
    assert_accessible(page)
    assert small_targets(page) == []
    tally = day.save()
    print(tally)
    assert day.outside == [] and tally["clicks"] <= 9
